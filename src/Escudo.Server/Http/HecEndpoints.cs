using System.Globalization;
using System.Text;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Ingest.Json;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;
using Escudo.Server.Storage;
using Escudo.Spl.Execution;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Http;

/// <summary>The HTTP Event Collector endpoints, answering as Splunk's HEC does.</summary>
internal sealed partial class HecEndpoints(Auth auth, CommitQueue queue, AckTracker acks, ServeStats stats, TimeProvider time, long maxRequestBytes, int maxFieldNames = 100_000)
{
    /// <summary>Where an event's indexed fields go, as <c>name=value</c> items, when it would grow the field-name table past its limit.</summary>
    public const string UnindexedFields = "escudo_unindexed_fields";

    private static readonly int UnindexedFieldsId = FieldTable.Intern(UnindexedFields);

    /// <summary>
    /// Whether a Windows XML event's row waits for its commit as <see cref="XmlRowRecipe.Slim"/>
    /// makes it (the store reads nothing else); false keeps the whole mapped row (the reference
    /// path of the differential tests).
    /// </summary>
    internal bool SlimXmlRows { get; set; } = queue.StoreKeepsXmlRecipes;

    /// <summary>Unhealthy (503) when commits fail or the queue is nearly full (in requests or in bytes): a load balancer then sends elsewhere.</summary>
    public Task Health(HttpContext ctx) => queue.Health.IsDegraded || queue.QueuedRequests > 400 || queue.NearlyFull ? HecAnswers.Unhealthy(ctx) : HecAnswers.Healthy(ctx);

    public async Task Event(HttpContext ctx)
    {
        var (token, channel, body) = await BeginWithBody(ctx);
        if (body is null)
        {
            return;
        }

        using var owned = body;
        var rows = new List<Row>();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { AllowMultipleValues = true });
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

                var (read, answer) = ReadEvent(ref reader, token!, now);
                if (read is not { } row)
                {
                    await answer!(ctx, n);
                    return;
                }

                // Checked here, per event, so one bad event fails its own request only and never the group commit it would share.
                if (!EventTime.IsValid(row.Time))
                {
                    Rejected(ctx, n + 1, $"event {n}: {EventTime.OutOfRange(row.Time)}");
                    await HecAnswers.InvalidDataFormat(ctx, n);
                    return;
                }

                var index = row.Get(FieldTable.Index).FirstString() ?? "main";
                if (!token!.MayWrite(index))
                {
                    Rejected(ctx, n + 1, $"event {n}: index '{index}' is not allowed for this token");
                    await HecAnswers.IncorrectIndex(ctx, n);
                    return;
                }

                rows.Add(SlimXmlRows ? XmlRowRecipe.Slim(row) ?? row : row);
                n++;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            // InvalidOperationException: a string that is not valid UTF-8 (System.Text.Json checks on reading it).
            Rejected(ctx, n + 1, $"event {n}: {e.Message}");
            await HecAnswers.InvalidDataFormat(ctx, n);
            return;
        }

        ResendKeys.Mark(rows, token!.Token, channel, body.Span);
        await Commit(ctx, rows, channel, body.Length);
    }

    /// <summary>
    /// One <c>/event</c> object as a row: its text when the event is not a string or an object; and
    /// when the field-name table is full, without adding names (Windows XML mapped without its new
    /// Data names; other events kept whole as text, their fields under escudo_unindexed_fields).
    /// </summary>
    private Row EventRow(JsonElement root, JsonElement ev, TokenConfig token, double now)
    {
        if (ev.ValueKind is not (JsonValueKind.String or JsonValueKind.Object))
        {
            // Numbers, booleans, arrays: Splunk indexes their text.
            using var wrapped = JsonDocument.Parse(WrapAsText(root, ev, keepFields: null));
            return ToRow(wrapped.RootElement, token, now);
        }

        if (FieldTable.Count >= maxFieldNames && ev.ValueKind == JsonValueKind.String && WindowsXmlWithNewNames(ev.GetString()!) is { } xml)
        {
            // Windows XML whose Data names are new: mapped without them (they stay in _raw and under escudo_unindexed_fields).
            var mapped = XmlRowWithoutNewNames(root, xml.Event, xml.Text, token, now);
            stats.FieldNamesRefusedOnce();
            return mapped;
        }

        if (FieldTable.Count >= maxFieldNames && BringsNewNames(root, ev))
        {
            // The table is full: keep the whole event (its JSON as _raw text, searchable and
            // extractable at search time) without adding a single name to the table.
            var unindexed = new List<string>();
            using var wrapped = JsonDocument.Parse(WrapAsText(root, ev, unindexed));
            var row = ToRow(wrapped.RootElement, token, now);
            if (unindexed.Count > 0)
            {
                row.Set(UnindexedFieldsId, Value.FromMulti(unindexed));
            }

            stats.FieldNamesRefusedOnce();
            return row;
        }

        return ToRow(root, token, now);
    }

    public async Task Raw(HttpContext ctx)
    {
        var (token, channel, body) = await BeginWithBody(ctx);
        if (body is null)
        {
            return;
        }

        using var owned = body;

        var q = ctx.Request.Query;
        string? Q(string name) => q.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;
        var index = (Q("index") ?? token!.Index ?? "main").ToLowerInvariant();
        if (!token!.MayWrite(index))
        {
            Rejected(ctx, 0, $"index '{index}' is not allowed for this token");
            await HecAnswers.IncorrectIndex(ctx, null);
            return;
        }

        var source = Q("source") ?? token!.Source;
        var sourcetype = Q("sourcetype") ?? token!.SourceType;
        var host = Q("host") ?? token!.Host;
        var now = Q("time") is { } ts && double.TryParse(ts, NumberStyles.Float, CultureInfo.InvariantCulture, out var t)
            ? t
            : time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        // The body is split line by line as it is read (no copy of the whole text, no array of
        // all lines), and the rows it makes are charged against a per-request memory budget: a
        // few megabytes of short lines would otherwise become millions of rows and gigabytes.
        var budget = RawMemoryBudget;
        var lines = (long)body.Span.Count((byte)'\n') + 1;
        if (lines * MinRawRowBytes > budget)
        {
            await RawTooLarge(ctx, lines, lines * MinRawRowBytes, budget);
            return;
        }

        var rows = new List<Row>();
        long held = 0;
        var text = body.Buffer;
        var stop = body.Offset + body.Length;
        for (var start = body.Offset; start < stop;)
        {
            var end = Array.IndexOf(text, (byte)'\n', start, stop - start);
            if (end < 0)
            {
                end = stop;
            }

            var length = end - start;
            if (length > 0 && text[end - 1] == (byte)'\r')
            {
                length--;
            }

            var line = Encoding.UTF8.GetString(text, start, length);
            start = end + 1;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var (row, recipe) = RawRow(line, source, sourcetype, host, index, now);
            if (double.IsNaN(row.Time))
            {
                HecRows.Set(row, recipe, FieldTable.Time, Value.FromNumber(now));
            }

            recipe?.Attach(row);

            if (!EventTime.IsValid(row.Time))
            {
                Rejected(ctx, rows.Count + 1, $"line {rows.Count}: {EventTime.OutOfRange(row.Time)}");
                await HecAnswers.InvalidDataFormat(ctx, rows.Count);
                return;
            }

            held += SearchBudget.EstimateBytes(row);
            if (held > budget)
            {
                await RawTooLarge(ctx, lines, held, budget);
                return;
            }

            rows.Add(SlimXmlRows ? XmlRowRecipe.Slim(row) ?? row : row);
        }

        if (rows.Count == 0)
        {
            await HecAnswers.NoData(ctx);
            return;
        }

        ResendKeys.Mark(rows, token!.Token, channel, body.Span);
        await Commit(ctx, rows, channel, body.Length);
    }

    /// <summary>One <c>/raw</c> line as a row: a Windows event mapped as the add-ons map it, any other line as text with the request's defaults.</summary>
    private (Row Row, XmlRowRecipe? Recipe) RawRow(string line, string? source, string? sourcetype, string? host, string index, double now)
    {
        var xml = line.Contains("<Event", StringComparison.Ordinal) ? WindowsXmlParser.Parse(line) : null;
        if (xml?.EventId is not null)
        {
            var unindexed = FieldTable.Count >= maxFieldNames ? TakeNewDataNames(xml) : null;
            if (unindexed is null)
            {
                // Mapped from the line as it will be again on read: stored as a recipe.
                var recipe = new XmlRowRecipe(source, sourcetype, host, index);
                return (recipe.Map(xml, line), recipe);
            }

            var mapped = WindowsEventMapper.ToRow(xml, line, source, sourcetype, host, index);
            mapped.Set(UnindexedFieldsId, Value.FromMulti(unindexed));
            stats.FieldNamesRefusedOnce();
            return (mapped, null);
        }

        var row = new Row(8);
        row.Set(FieldTable.Time, Value.FromNumber(now));
        row.Set(FieldTable.Host, Value.FromString(host ?? "unknown"));
        row.Set(FieldTable.Source, Value.FromString(source ?? "http:escudo"));
        row.Set(FieldTable.SourceType, Value.FromString(sourcetype ?? "httpevent"));
        row.Set(FieldTable.Index, Value.FromString(index));
        row.Set(FieldTable.Raw, Value.FromString(line));
        return (row, null);
    }

    /// <summary>Estimated memory the rows of one <c>/raw</c> request may take: eight times the largest body, at least 256 MB.</summary>
    private long RawMemoryBudget => Math.Max(256L * 1024 * 1024, 8 * maxRequestBytes);

    /// <summary>The least a raw line costs as a row (see <see cref="SearchBudget.EstimateBytes"/>: a row and its six default fields).</summary>
    private const long MinRawRowBytes = 320;

    private static Task RawTooLarge(HttpContext ctx, long lines, long bytes, long budget) =>
        HecAnswers.Write(ctx, 413, string.Create(CultureInfo.InvariantCulture, $"Request too large to index: {lines} lines would take at least {bytes / (1024 * 1024)} MB in memory, over the per-request limit of {budget / (1024 * 1024)} MB (8 x maxRequestBytes); send fewer lines per request"), 27);

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

        using var body = await ReadBody(ctx);
        if (body is null)
        {
            return;
        }

        List<long> ids = [];
        try
        {
            using var doc = JsonDocument.Parse(body.Memory);
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

    /// <summary>Authenticates and reads a non-blank body; on any failure the answer is already written and the body is null.</summary>
    private async Task<(TokenConfig? Token, string? Channel, HecRequestBody? Body)> BeginWithBody(HttpContext ctx)
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

        if (IsBlank(body.Span))
        {
            body.Dispose();
            await HecAnswers.NoData(ctx);
            return (token, channel, null);
        }

        return (token, channel, body);
    }

    /// <summary>The body (the caller disposes it), or null once the problem (too large, bad encoding) has been answered.</summary>
    private async Task<HecRequestBody?> ReadBody(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is { } declared && declared > maxRequestBytes)
        {
            await HecAnswers.TooLarge(ctx, maxRequestBytes);
            return null;
        }

        try
        {
            var body = await HecRequestBody.ReadAsync(ctx.Request.Body, ctx.Request.ContentLength, maxRequestBytes, ctx.RequestAborted);
            if (body is null)
            {
                await HecAnswers.TooLarge(ctx, maxRequestBytes);
                return null;
            }

            return await HecBody.Decode(ctx, body, maxRequestBytes);
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
            await queue.CommitAsync(rows, cancellation: ctx.RequestAborted, refuseWhenFull: true);
        }
        catch (CommitQueueFullException e)
        {
            // Nothing of this request was queued: it is not acknowledged, and the client sends it again.
            Rejected(ctx, rows.Count, e.Message);
            await HecAnswers.ServerBusy(ctx);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The commit queue has logged the failure and marked the store degraded; the client retries.
            stats.CommitFailed();
            Rejected(ctx, rows.Count, $"commit failed: {e.Message}");
            await HecAnswers.ServerBusy(ctx);
            return;
        }

        stats.AddIngest(rows.Count, bytes);
        await HecAnswers.Success(ctx, channel is null ? null : acks.Issue(channel));
    }

    private static Row ToRow(JsonElement root, TokenConfig token, double now)
    {
        var options = new EventReadOptions(Index: (token.Index ?? "main").ToLowerInvariant());
        // The envelope always has an "event" here, so FromJson never reads the line's text: none is made.
        var row = JsonEventReader.FromJson(root, string.Empty, options)!;
        return WithTokenDefaults(row, root, token, now);
    }

    /// <summary>A Windows XML event string whose Data items would add new field names, parsed; null otherwise.</summary>
    private static (WindowsEvent Event, string Text)? WindowsXmlWithNewNames(string text)
    {
        if (!text.Contains("<Event", StringComparison.Ordinal) || WindowsXmlParser.Parse(text) is not { EventId: not null } xml)
        {
            return null;
        }

        return xml.Data.Any(d => !string.IsNullOrEmpty(d.Key) && !FieldTable.TryGet(d.Key, out _)) ? (xml, text) : null;
    }

    /// <summary>Removes the Data items whose names are not interned, returning them as <c>name=value</c> (null when there are none).</summary>
    private static List<string>? TakeNewDataNames(WindowsEvent xml)
    {
        List<string>? taken = null;
        for (var i = xml.Data.Count - 1; i >= 0; i--)
        {
            var (name, value) = xml.Data[i];
            if (!string.IsNullOrEmpty(name) && !FieldTable.TryGet(name, out _))
            {
                (taken ??= []).Insert(0, name + "=" + value);
                xml.Data.RemoveAt(i);
            }
        }

        return taken;
    }

    /// <summary>What <see cref="JsonEventReader.FromJson"/> makes of an HEC envelope around Windows XML, minus the new names.</summary>
    private static Row XmlRowWithoutNewNames(JsonElement root, WindowsEvent xml, string text, TokenConfig token, double now)
    {
        string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array) ? Escudo.Core.Text.JsonFlattener.Scalar(v) : null;
        var unindexed = TakeNewDataNames(xml) ?? [];
        var row = WindowsEventMapper.ToRow(xml, text, Str("source"), Str("sourcetype"), Str("host"), Str("index") ?? (token.Index ?? "main").ToLowerInvariant());
        if (root.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in fields.EnumerateObject())
            {
                var value = Escudo.Core.Text.JsonFlattener.Scalar(p.Value);
                if (FieldTable.TryGet(p.Name, out var id))
                {
                    row.Set(id, Value.FromString(value));
                }
                else
                {
                    unindexed.Add(p.Name + "=" + value);
                }
            }
        }

        if (root.TryGetProperty("time", out var t))
        {
            if (t.ValueKind == JsonValueKind.Number)
            {
                row.Set(FieldTable.Time, Value.FromNumber(t.GetDouble()));
            }
            else if (t.ValueKind == JsonValueKind.String && Value.TryParseNumber(t.GetString(), out var time))
            {
                row.Set(FieldTable.Time, Value.FromNumber(time));
            }
        }

        row.Set(UnindexedFieldsId, Value.FromMulti(unindexed));
        return WithTokenDefaults(row, root, token, now);
    }

    private static Row WithTokenDefaults(Row row, JsonElement root, TokenConfig token, double now)
    {
        var present = new HecPresence(root.TryGetProperty("source", out _), root.TryGetProperty("sourcetype", out _), root.TryGetProperty("host", out _), root.TryGetProperty("time", out _));
        HecRows.ApplyTokenDefaults(row, present, token, now, recipe: null);
        return row;
    }

    private void Rejected(HttpContext ctx, int events, string reason)
    {
        stats.Rejected(events);
        ctx.Items[HecAnswers.ReasonKey] = reason;
    }

    /// <summary>Whether reading this event would intern a field name never seen before (its object's flattened names, its <c>fields</c>).</summary>
    private static bool BringsNewNames(JsonElement root, JsonElement ev)
    {
        var found = false;
        if (ev.ValueKind == JsonValueKind.Object)
        {
            Escudo.Core.Text.JsonFlattener.Flatten(ev, string.Empty, (name, value) => found |= !FieldTable.TryGet(name, out var known));
        }

        if (!found && root.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            found = fields.EnumerateObject().Any(p => !FieldTable.TryGet(p.Name, out _));
        }

        return found;
    }

    /// <summary>
    /// The envelope with <c>event</c> as its JSON text. With <paramref name="keepFields"/>, the
    /// <c>fields</c> whose names are not interned leave the envelope and are collected there as
    /// <c>name=value</c> (so nothing is lost and no name is added).
    /// </summary>
    private static string WrapAsText(JsonElement root, JsonElement ev, List<string>? keepFields)
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
                else if (keepFields is not null && p.NameEquals("fields") && p.Value.ValueKind == JsonValueKind.Object)
                {
                    w.WriteStartObject("fields");
                    foreach (var f in p.Value.EnumerateObject())
                    {
                        if (FieldTable.TryGet(f.Name, out _))
                        {
                            f.WriteTo(w);
                        }
                        else
                        {
                            keepFields.Add(f.Name + "=" + Escudo.Core.Text.JsonFlattener.Scalar(f.Value));
                        }
                    }

                    w.WriteEndObject();
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

    private static bool IsBlank(ReadOnlySpan<byte> body) => body.IndexOfAnyExcept(" \t\r\n"u8) < 0;
}
