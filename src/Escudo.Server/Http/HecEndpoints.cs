using System.Globalization;
using System.Text;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Ingest.Json;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;
using Escudo.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Http;

/// <summary>The HTTP Event Collector endpoints, answering as Splunk's HEC does.</summary>
internal sealed class HecEndpoints(Auth auth, CommitQueue queue, AckTracker acks, ServeStats stats, TimeProvider time, long maxRequestBytes)
{
    public Task Health(HttpContext ctx) => queue.QueuedRequests > 400 ? HecAnswers.Unhealthy(ctx) : HecAnswers.Healthy(ctx);

    public async Task Event(HttpContext ctx)
    {
        var (token, channel, body) = await BeginWithBody(ctx);
        if (body is null)
        {
            return;
        }

        var rows = new List<Row>();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
        var n = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    await HecAnswers.InvalidDataFormat(ctx, n);
                    return;
                }

                using var doc = JsonDocument.ParseValue(ref reader);
                var root = doc.RootElement;
                if (!root.TryGetProperty("event", out var ev))
                {
                    await HecAnswers.EventRequired(ctx, n);
                    return;
                }

                if (ev.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined
                    || (ev.ValueKind == JsonValueKind.String && ev.GetString()!.Length == 0)
                    || (ev.ValueKind == JsonValueKind.Object && !ev.EnumerateObject().Any()))
                {
                    await HecAnswers.EventBlank(ctx, n);
                    return;
                }

                if (ev.ValueKind is not (JsonValueKind.String or JsonValueKind.Object))
                {
                    // Numbers, booleans, arrays: Splunk indexes their text.
                    using var wrapped = JsonDocument.Parse(WrapAsText(root, ev));
                    rows.Add(ToRow(wrapped.RootElement, token!, now));
                }
                else
                {
                    rows.Add(ToRow(root, token!, now));
                }

                n++;
            }
        }
        catch (JsonException)
        {
            await HecAnswers.InvalidDataFormat(ctx, n);
            return;
        }

        await Commit(ctx, rows, channel, body.Length);
    }

    public async Task Raw(HttpContext ctx)
    {
        var (token, channel, body) = await BeginWithBody(ctx);
        if (body is null)
        {
            return;
        }

        var q = ctx.Request.Query;
        string? Q(string name) => q.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;
        var index = (Q("index") ?? token!.Index ?? "main").ToLowerInvariant();
        var source = Q("source") ?? token!.Source;
        var sourcetype = Q("sourcetype") ?? token!.SourceType;
        var host = Q("host") ?? token!.Host;
        var now = Q("time") is { } ts && double.TryParse(ts, NumberStyles.Float, CultureInfo.InvariantCulture, out var t)
            ? t
            : time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var rows = new List<Row>();
        foreach (var line0 in Encoding.UTF8.GetString(body).Split('\n'))
        {
            var line = line0.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var xml = line.Contains("<Event", StringComparison.Ordinal) ? WindowsXmlParser.Parse(line) : null;
            Row row;
            if (xml?.EventId is not null)
            {
                row = WindowsEventMapper.ToRow(xml, line, source, sourcetype, host, index);
            }
            else
            {
                row = new Row(8);
                row.Set(FieldTable.Time, Value.FromNumber(now));
                row.Set(FieldTable.Host, Value.FromString(host ?? "unknown"));
                row.Set(FieldTable.Source, Value.FromString(source ?? "http:escudo"));
                row.Set(FieldTable.SourceType, Value.FromString(sourcetype ?? "httpevent"));
                row.Set(FieldTable.Index, Value.FromString(index));
                row.Set(FieldTable.Raw, Value.FromString(line));
            }

            if (double.IsNaN(row.Time))
            {
                row.Set(FieldTable.Time, Value.FromNumber(now));
            }

            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            await HecAnswers.NoData(ctx);
            return;
        }

        await Commit(ctx, rows, channel, body.Length);
    }

    public async Task Ack(HttpContext ctx)
    {
        var (_, channel, ok) = await Begin(ctx, ackEndpoint: true);
        if (!ok)
        {
            return;
        }

        if (channel is null)
        {
            await HecAnswers.ChannelMissing(ctx);
            return;
        }

        var body = await ReadBody(ctx);
        if (body is null)
        {
            return;
        }

        List<long> ids = [];
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("acks", out var a) || a.ValueKind != JsonValueKind.Array)
            {
                await HecAnswers.InvalidDataFormat(ctx, 0);
                return;
            }

            ids.AddRange(a.EnumerateArray().Select(x => x.GetInt64()));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            await HecAnswers.InvalidDataFormat(ctx, 0);
            return;
        }

        var sb = new StringBuilder("{\"acks\":{");
        for (var i = 0; i < ids.Count; i++)
        {
            sb.Append(i == 0 ? "\"" : ",\"").Append(ids[i].ToString(CultureInfo.InvariantCulture)).Append("\":").Append(acks.Query(channel, ids[i]) ? "true" : "false");
        }

        sb.Append("}}");
        ctx.Response.ContentType = "application/json; charset=UTF-8";
        await ctx.Response.WriteAsync(sb.ToString());
    }

    private async Task<(TokenConfig? Token, string? Channel, bool Ok)> Begin(HttpContext ctx, bool ackEndpoint = false)
    {
        switch (auth.Check(ctx, allowBearer: false, out var token))
        {
            case Auth.Outcome.Missing:
                stats.AuthFailed();
                await HecAnswers.TokenRequired(ctx);
                return (null, null, false);
            case Auth.Outcome.BadScheme:
                stats.AuthFailed();
                await HecAnswers.InvalidAuthorization(ctx);
                return (null, null, false);
            case Auth.Outcome.Unknown:
                stats.AuthFailed();
                await HecAnswers.InvalidToken(ctx);
                return (null, null, false);
        }

        var channel = ctx.Request.Headers["X-Splunk-Request-Channel"].ToString();
        if (string.IsNullOrEmpty(channel))
        {
            channel = ctx.Request.Query["channel"].ToString();
        }

        if (string.IsNullOrEmpty(channel))
        {
            channel = null;
        }

        if (!ackEndpoint && token!.UseAck && channel is null)
        {
            await HecAnswers.ChannelMissing(ctx);
            return (null, null, false);
        }

        return (token, channel, true);
    }

    /// <summary>The body, or null after answering 413 when it exceeds the request size limit.</summary>
    /// <summary>Authenticates and reads a non-blank body; on any failure the answer is already written and the body is null.</summary>
    private async Task<(TokenConfig? Token, string? Channel, byte[]? Body)> BeginWithBody(HttpContext ctx)
    {
        var (token, channel, ok) = await Begin(ctx);
        if (!ok)
        {
            return (token, channel, null);
        }

        var body = await ReadBody(ctx);
        if (body is null)
        {
            return (token, channel, null);
        }

        if (IsBlank(body))
        {
            await HecAnswers.NoData(ctx);
            return (token, channel, null);
        }

        return (token, channel, body);
    }

    private async Task<byte[]?> ReadBody(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is { } declared && declared > maxRequestBytes)
        {
            await HecAnswers.TooLarge(ctx, maxRequestBytes);
            return null;
        }

        try
        {
            using var ms = new MemoryStream(ctx.Request.ContentLength is { } len ? (int)len : 4096);
            await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted);
            return await HecBody.Decode(ctx, ms.ToArray(), maxRequestBytes);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await HecAnswers.TooLarge(ctx, maxRequestBytes);
            return null;
        }
    }

    private async Task Commit(HttpContext ctx, List<Row> rows, string? channel, long bytes)
    {
        try
        {
            await queue.CommitAsync(rows, cancellation: ctx.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stats.CommitFailed();
            await HecAnswers.ServerBusy(ctx);
            return;
        }

        stats.AddIngest(rows.Count, bytes);
        await HecAnswers.Success(ctx, channel is null ? null : acks.Issue(channel));
    }

    private static Row ToRow(JsonElement root, TokenConfig token, double now)
    {
        var options = new EventReadOptions(Index: (token.Index ?? "main").ToLowerInvariant());
        var row = JsonEventReader.FromJson(root, root.GetRawText(), options)!;
        if (token.Source is { } s && !root.TryGetProperty("source", out _))
        {
            row.Set(FieldTable.Source, Value.FromString(s));
        }

        if (token.SourceType is { } st && !root.TryGetProperty("sourcetype", out _))
        {
            row.Set(FieldTable.SourceType, Value.FromString(st));
        }

        if (token.Host is { } h && !root.TryGetProperty("host", out _))
        {
            row.Set(FieldTable.Host, Value.FromString(h));
        }

        if (!root.TryGetProperty("time", out _) && row.Get(FieldTable.Time).IsNull)
        {
            row.Set(FieldTable.Time, Value.FromNumber(now));
        }

        if (row.Get(FieldTable.Index).FirstString() is { } idx && idx != idx.ToLowerInvariant())
        {
            row.Set(FieldTable.Index, Value.FromString(idx.ToLowerInvariant()));
        }

        return row;
    }

    private static string WrapAsText(JsonElement root, JsonElement ev)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var p in root.EnumerateObject())
            {
                if (p.NameEquals("event"))
                {
                    w.WriteString("event", ev.GetRawText());
                }
                else
                {
                    p.WriteTo(w);
                }
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static bool IsBlank(byte[] body) => body.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n');
}
