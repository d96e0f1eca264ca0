using System.Buffers;

namespace Escudo.Server.Http;

/// <summary>
/// A request body in a buffer rented from <see cref="ArrayPool{T}.Shared"/>, returned when the
/// request is done. A HEC batch is typically a megabyte: read into a <c>MemoryStream</c> and
/// copied out with <c>ToArray</c>, each request allocated two large-object-heap arrays, and on a
/// loaded server those allocations alone set off blocking full collections (the request's rows
/// copy every string they keep, so nothing refers to the buffer once it is parsed).
/// </summary>
internal sealed class HecRequestBody : IDisposable
{
    /// <summary>First buffer for a body of unknown length (chunked); doubled as needed.</summary>
    private const int UnknownLengthStart = 64 * 1024;

    private byte[]? _rented;

    private HecRequestBody(byte[] buffer, int offset, int length, bool rented)
    {
        Buffer = buffer;
        Offset = offset;
        Length = length;
        _rented = rented ? buffer : null;
    }

    public byte[] Buffer { get; }

    public int Offset { get; }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(Offset, Length);

    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(Offset, Length);

    /// <summary>A body held in an array of its own (an inflated gzip body): nothing to return.</summary>
    public static HecRequestBody Owned(byte[] bytes) => new(bytes, 0, bytes.Length, rented: false);

    /// <summary>The same bytes without the first <paramref name="count"/> (a byte order mark); this body's buffer moves to the result.</summary>
    public HecRequestBody Skip(int count)
    {
        var moved = new HecRequestBody(Buffer, Offset + count, Length - count, _rented is not null);
        _rented = null;
        return moved;
    }

    /// <summary>
    /// Reads the whole stream: into one rented buffer of the declared length, or (no length
    /// declared) into rented buffers doubled as the body grows. Null when the body exceeds
    /// <paramref name="maxBytes"/> (nothing stays rented then).
    /// </summary>
    public static async Task<HecRequestBody?> ReadAsync(Stream stream, long? declaredLength, long maxBytes, CancellationToken cancellation)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(declaredLength is { } d ? (int)Math.Clamp(d, 1, Math.Min(maxBytes, Array.MaxLength)) : UnknownLengthStart);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= maxBytes || buffer.Length >= Array.MaxLength / 2)
                    {
                        // Full at the limit: one more byte means too large.
                        var probe = new byte[1];
                        if (await stream.ReadAsync(probe, cancellation) == 0)
                        {
                            break;
                        }

                        ArrayPool<byte>.Shared.Return(buffer);
                        return null;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var n = await stream.ReadAsync(buffer.AsMemory(length), cancellation);
                if (n == 0)
                {
                    break;
                }

                length += n;
                if (length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
            }

            return new HecRequestBody(buffer, 0, length, rented: true);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
