using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Http;

/// <summary>
/// What HEC does to a request body before parsing it, as Splunk's HEC does: inflates
/// <c>Content-Encoding: gzip</c> (no larger than the request size limit, so a small compressed
/// body cannot inflate without bound) and drops a leading UTF-8 byte order mark.
/// </summary>
internal static class HecBody
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>The body ready to parse, or null once the problem has been answered (<paramref name="body"/> is then disposed).</summary>
    public static async Task<HecRequestBody?> Decode(HttpContext ctx, HecRequestBody body, long maxBytes)
    {
        var encoding = ctx.Request.Headers.ContentEncoding.ToString().Trim();
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            byte[]? inflated;
            try
            {
                inflated = Inflate(new MemoryStream(body.Buffer, body.Offset, body.Length, writable: false), maxBytes);
            }
            catch (InvalidDataException)
            {
                body.Dispose();
                await HecAnswers.InvalidDataFormat(ctx, 0);
                return null;
            }

            body.Dispose();
            if (inflated is null)
            {
                await HecAnswers.TooLarge(ctx, maxBytes);
                return null;
            }

            body = HecRequestBody.Owned(inflated);
        }
        else if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            body.Dispose();
            await HecAnswers.Write(ctx, 415, "Unsupported Content-Encoding: send gzip or no encoding", 6);
            return null;
        }

        return body.Span.StartsWith(Bom) ? body.Skip(Bom.Length) : body;
    }

    /// <summary>Inflates <paramref name="gzip"/>; null when the result would exceed <paramref name="maxBytes"/>.</summary>
    internal static byte[]? Inflate(Stream gzip, long maxBytes)
    {
        using var input = new GZipStream(gzip, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = input.Read(buffer)) > 0)
        {
            if (output.Length + n > maxBytes)
            {
                return null;
            }

            output.Write(buffer, 0, n);
        }

        return output.ToArray();
    }
}
