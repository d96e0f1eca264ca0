using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Server.Scheduling;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Escudo.Server.Http;

/// <summary>
/// <c>/services/search/jobs/export</c> (Splunk's streaming export: one <c>{"result": {...}}</c>
/// per line) and Escudo's own JSON API: notables, scheduler runs, statistics.
/// </summary>
internal sealed class SearchEndpoints(Auth auth, IServeStore store, ContentFolder? content, ServeOptions options, ServeStats stats, CommitQueue queue, Func<DetectionScheduler?> scheduler, TimeProvider time)
{
    public async Task Export(HttpContext ctx)
    {
        if (!await Authorize(ctx))
        {
            return;
        }

        IDictionary<string, StringValues> form;
        try
        {
            form = ctx.Request.HasFormContentType
                ? (await ctx.Request.ReadFormAsync(ctx.RequestAborted)).ToDictionary(k => k.Key, k => k.Value)
                : ctx.Request.Query.ToDictionary(k => k.Key, k => k.Value);
        }
        catch (Exception e) when (e is BadHttpRequestException or InvalidDataException)
        {
            await Messages(ctx, e is BadHttpRequestException { StatusCode: 413 } ? 413 : 400, "FATAL", "Request too large or malformed: " + e.Message);
            return;
        }

        string? Field(string name) => form.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrWhiteSpace(v[0]) ? v[0] : null;
        var search = Field("search");
        if (search is null)
        {
            await Messages(ctx, 400, "FATAL", "Missing search: the form field 'search' is required.");
            return;
        }

        if (Field("output_mode") is { } mode && mode != "json")
        {
            await SplunkRestEndpoints.Export(ctx, this, form, mode, options.JobMaxResults);
            return;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        var prepared = Prepare(search, Field("earliest_time"), Field("latest_time"), cts);
        if (prepared.Error is { } prepareError)
        {
            await Messages(ctx, prepareError.Status, "FATAL", prepareError.Text);
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var writer = new Utf8JsonWriter(buffer, ResultJson.WriterOptions);
        var started = false;
        using var rows = prepared.Rows!.GetEnumerator();
        while (true)
        {
            string? error = null;
            var status = 0;
            try
            {
                if (!rows.MoveNext())
                {
                    break;
                }
            }
            catch (Exception e) when (Classify(e, ctx.RequestAborted) is { } classified)
            {
                (status, error) = classified;
            }

            if (error is not null)
            {
                stats.SearchFailed();
                if (!started)
                {
                    await Messages(ctx, status, "FATAL", error);
                }
                else
                {
                    await Flush(ctx, buffer, writer);
                    await ctx.Response.WriteAsync(MessageLine("FATAL", error) + "\n");
                }

                return;
            }

            if (!started)
            {
                ctx.Response.ContentType = "application/json; charset=UTF-8";
                started = true;
            }

            writer.WriteStartObject();
            writer.WritePropertyName("result");
            ResultJson.WriteRow(writer, rows.Current);
            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n"u8);
            writer.Reset(buffer);
            if (buffer.WrittenCount > 48 * 1024)
            {
                await Flush(ctx, buffer, writer);
            }
        }

        ctx.Response.ContentType ??= "application/json; charset=UTF-8";
        await Flush(ctx, buffer, writer);
    }

    /// <summary>
    /// Compiles a search as the export endpoint and the search jobs run it: the leading
    /// <c>search</c> keyword optional, Splunk's time modifiers, the server's limits. The rows run
    /// lazily under <paramref name="cts"/>, which also carries the search time limit.
    /// </summary>
    internal PreparedSearch Prepare(string search, string? earliestTime, string? latestTime, CancellationTokenSource cts)
    {
        // As in Splunk, the search may start with the `search` keyword.
        var trimmed = search.TrimStart();
        if (trimmed.StartsWith("search", StringComparison.OrdinalIgnoreCase) && (trimmed.Length == 6 || char.IsWhiteSpace(trimmed[6])))
        {
            search = trimmed.Length == 6 ? "*" : trimmed[7..];
        }

        var now = Now();
        double? earliest = null, latest = null;
        if (earliestTime is { } et && (earliest = RelativeTime.Resolve(et, now)) is null)
        {
            return PreparedSearch.Failed(400, $"Invalid earliest_time '{et}'.");
        }

        if (latestTime is { } lt && (latest = RelativeTime.Resolve(lt, now)) is null)
        {
            return PreparedSearch.Failed(400, $"Invalid latest_time '{lt}'.");
        }

        cts.CancelAfter(TimeSpan.FromSeconds(options.SearchTimeoutSeconds));
        var scoped = new SearchStore(store, cts.Token);
        var warnings = new List<string>();
        var sc = new SearchContext
        {
            Now = now,
            TimeRange = new TimeRange(earliest, latest),
            Events = scoped,
            DataModels = scoped,
            Lookups = content?.Lookups,
            Macros = content?.Macros ?? Spl.Macros.BuiltInMacros.Instance,
            MaxRowsInMemory = options.SearchMaxRowsInMemory,
            Cancellation = cts.Token,
            Warnings = d => warnings.Add(d.Message),
        };
        var compiled = SplEngine.Compile(search, sc);
        if (!compiled.Success)
        {
            stats.SearchFailed();
            return PreparedSearch.Failed(400, compiled.Diagnostic is { } d ? d.Format(compiled.Text) : "The search could not be compiled.");
        }

        scoped.Hints = PushdownAnalyzer.FromSearch(compiled.Text);
        stats.SearchRan();
        return new PreparedSearch(compiled.Search!.Run(), warnings, null);
    }

    /// <summary>What a failure while rows are read means for the client (status, message); null for a bug, which propagates.</summary>
    internal (int Status, string Text)? Classify(Exception e, CancellationToken clientGone) => e switch
    {
        OperationCanceledException when !clientGone.IsCancellationRequested =>
            (504, $"Search time limit exceeded: stopped after {options.SearchTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s."),
        SearchLimitException => (507, "Search limit exceeded: " + e.Message),
        InvalidOperationException or ArgumentException or FormatException or NotSupportedException or KeyNotFoundException =>
            (500, $"Search failed: {e.GetType().Name}: {e.Message}"),
        _ => null,
    };

    private static async Task Flush(HttpContext ctx, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        writer.Flush();
        if (buffer.WrittenCount > 0)
        {
            await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
        }
    }

    /// <summary><c>GET /escudo/notables?earliest=&amp;latest=&amp;count=</c>: notables, newest first.</summary>
    public async Task Notables(HttpContext ctx) => await ListIndex(ctx, "notable", "notables");

    /// <summary><c>GET /escudo/risk</c>: risk events, newest first.</summary>
    public async Task Risk(HttpContext ctx) => await ListIndex(ctx, "risk", "risk_events");

    private async Task ListIndex(HttpContext ctx, string index, string property)
    {
        if (!await Authorize(ctx))
        {
            return;
        }

        var now = Now();
        var q = ctx.Request.Query;
        double? earliest = q.TryGetValue("earliest", out var e) ? RelativeTime.Resolve(e.ToString(), now) : null;
        double? latest = q.TryGetValue("latest", out var l) ? RelativeTime.Resolve(l.ToString(), now) : null;
        var count = q.TryGetValue("count", out var c) && int.TryParse(c, out var n) ? Math.Clamp(n, 1, 100_000) : 1000;
        var pushdown = new Pushdown(new Dictionary<string, IReadOnlyList<string>> { ["index"] = [index] });
        var rows = store.Scan(new ScanRequest(new TimeRange(earliest, latest)), pushdown, ctx.RequestAborted)
            .Where(r => r.Get(FieldTable.Index).FirstString() == index)
            .ToList();
        rows.Reverse();
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, ResultJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("count", Math.Min(count, rows.Count));
            w.WritePropertyName(property);
            w.WriteStartArray();
            foreach (var r in rows.Take(count))
            {
                ResultJson.WriteRow(w, r);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        ctx.Response.ContentType = "application/json; charset=UTF-8";
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    /// <summary><c>GET /escudo/stats</c>: ingestion, store, search and scheduler figures.</summary>
    public async Task Stats(HttpContext ctx)
    {
        if (!await Authorize(ctx))
        {
            return;
        }

        var s = scheduler();
        var body = new Dictionary<string, object?>
        {
            ["ingest"] = new Dictionary<string, object>
            {
                ["events"] = stats.EventsAccepted,
                ["bytes"] = stats.BytesAccepted,
                ["requests"] = stats.HecRequests,
                ["auth_failures"] = stats.AuthFailures,
                ["commit_failures"] = stats.CommitFailures,
                ["commits"] = queue.Commits,
                ["queued_requests"] = queue.QueuedRequests,
            },
            ["store"] = new Dictionary<string, object> { ["events"] = store.CountEvents() },
            ["search"] = new Dictionary<string, object> { ["searches"] = stats.Searches, ["errors"] = stats.SearchErrors },
            ["scheduler"] = s?.Snapshot(),
        };
        ctx.Response.ContentType = "application/json; charset=UTF-8";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    /// <summary><c>GET /escudo/runs?count=</c>: the scheduler's ledger, newest first.</summary>
    public async Task Runs(HttpContext ctx)
    {
        if (!await Authorize(ctx))
        {
            return;
        }

        var count = ctx.Request.Query.TryGetValue("count", out var c) && int.TryParse(c, out var n) ? Math.Clamp(n, 1, 100_000) : 1000;
        ctx.Response.ContentType = "application/json; charset=UTF-8";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(new { runs = store.Runs(count) }, SnakeCase));
    }

    // Escudo's own API names its fields in snake_case, as the rest of the contract does.
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private double Now() => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    internal async Task<bool> Authorize(HttpContext ctx)
    {
        var outcome = auth.Check(ctx, allowBearer: true, out var token);
        if (outcome == Auth.Outcome.Ok && token!.Search)
        {
            return true;
        }

        stats.AuthFailed();
        if (outcome is Auth.Outcome.Missing or Auth.Outcome.BadScheme)
        {
            await Messages(ctx, 401, "WARN", "call not properly authenticated");
        }
        else
        {
            await Messages(ctx, 403, "WARN", "Unauthorized: the token is not valid for search.");
        }

        return false;
    }

    private static string MessageLine(string type, string text)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, ResultJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WritePropertyName("messages");
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("text", text);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static async Task Messages(HttpContext ctx, int status, string type, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=UTF-8";
        await ctx.Response.WriteAsync(MessageLine(type, text));
    }
}
