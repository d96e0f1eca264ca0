using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Server.Scheduling;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Planning;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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

        if (await ReadFormAsync(ctx) is not { } form)
        {
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

        // The search runs under one token that its time limit and the client going away both
        // trip; every operator loop checks it (see CompiledSearch.Run).
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        var log = Log(ctx);
        var prepared = Prepare(search, Field("earliest_time"), Field("latest_time"), cts);
        if (prepared.Error is { } rejected)
        {
            await RejectAsync(ctx, log, rejected);
            return;
        }

        var started = false;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var writer = new Utf8JsonWriter(buffer, ResultJson.WriterOptions);
        IEnumerator<Row>? rows = null;
        try
        {
            rows = prepared.Rows!.GetEnumerator();
            while (rows.MoveNext())
            {
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
                    await Flush(ctx, buffer, writer, cts.Token);
                }
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away: the search stopped with it; there is no one to answer.
            stats.SearchFailed();
            log.LogInformation("search stopped: the client disconnected");
            return;
        }
        catch (Exception e) when (SearchFailure(e, options) is { } failure)
        {
            stats.SearchFailed();
            LogFailure(log, e, failure);
            if (!started)
            {
                await Messages(ctx, failure.Status, "FATAL", failure.Text);
            }
            else
            {
                // Results already went out with 200: the error ends the stream, as Splunk's export does.
                await Flush(ctx, buffer, writer, ctx.RequestAborted);
                await ctx.Response.WriteAsync(MessageLine("FATAL", failure.Text) + "\n", ctx.RequestAborted);
            }

            return;
        }
        finally
        {
            rows?.Dispose();
        }

        ctx.Response.ContentType ??= "application/json; charset=UTF-8";
        await Flush(ctx, buffer, writer, ctx.RequestAborted);
        await WriteStoreWarnings(ctx, prepared);
    }

    /// <summary>An answer made without part of the store (partialResults, a shard down) says so after its results, one message line each.</summary>
    private static async Task WriteStoreWarnings(HttpContext ctx, PreparedSearch prepared)
    {
        foreach (var w in prepared.StoreWarnings)
        {
            await ctx.Response.WriteAsync(MessageLine("WARN", w) + "\n", ctx.RequestAborted);
        }
    }

    /// <summary>The form fields (a POST's body or the query string); null, answered 400 or 413, when the body is malformed or too large.</summary>
    private static async Task<IDictionary<string, StringValues>?> ReadFormAsync(HttpContext ctx)
    {
        try
        {
            return ctx.Request.HasFormContentType
                ? (await ctx.Request.ReadFormAsync(ctx.RequestAborted)).ToDictionary(k => k.Key, k => k.Value)
                : ctx.Request.Query.ToDictionary(k => k.Key, k => k.Value);
        }
        catch (Exception e) when (e is BadHttpRequestException or InvalidDataException)
        {
            await Messages(ctx, e is BadHttpRequestException { StatusCode: 413 } ? 413 : 400, "FATAL", "Request too large or malformed: " + e.Message);
            return null;
        }
    }

    /// <summary>A search refused before it ran (it does not compile, a bad time): logged by its status and answered.</summary>
    private static async Task RejectAsync(HttpContext ctx, ILogger log, (int Status, string Text) rejected)
    {
        if (rejected.Status >= 500)
        {
            log.LogWarning("search failed ({Status}): {Message}", rejected.Status, rejected.Text);
        }
        else
        {
            log.LogInformation("search rejected ({Status}): {Message}", rejected.Status, rejected.Text);
        }

        await Messages(ctx, rejected.Status, "FATAL", rejected.Text);
    }

    private static void LogFailure(ILogger log, Exception e, (int Status, string Text) failure)
    {
        if (failure.Status >= 500 || e is not (DiagnosticException or ArgumentException or FormatException or OverflowException or InvalidOperationException or NotSupportedException or InsufficientExecutionStackException))
        {
            // Past a limit, or an exception the engine should have turned into a message: worth a look.
            log.LogWarning(e, "search failed ({Status}): {Message}", failure.Status, failure.Text);
        }
        else
        {
            log.LogInformation("search failed ({Status}): {Message}", failure.Status, failure.Text);
        }
    }

    /// <summary>
    /// The answer for a search that failed while compiling or running. A search is user input, so
    /// every failure is an answer with its message, never a bare 500: the time limit 504, a memory
    /// or regex budget 507, anything else about the search (a bad argument or value met at run
    /// time, nesting too deep to evaluate) 400. Only running out of memory is left to the host.
    /// </summary>
    internal static (int Status, string Text)? SearchFailure(Exception e, ServeOptions options) => e switch
    {
        OutOfMemoryException => null,
        OperationCanceledException => (504, $"Search time limit exceeded: the search was stopped after {options.SearchTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s (searchTimeoutSeconds)."),
        SearchLimitException => (507, "Search limit exceeded: " + e.Message),
        DiagnosticException d => (400, d.Diagnostic.Message),
        InsufficientExecutionStackException => (400, "Error in search: the search is nested too deeply to run."),
        Storage.ClickHouse.ClickHouseException => (503, "The store did not answer: " + e.Message),
        _ => (400, $"Error in search: {e.Message} ({e.GetType().Name})"),
    };

    /// <summary>
    /// Compiles a search as the export, the search jobs and the csv/xml export run it: the leading
    /// <c>search</c> keyword optional, Splunk's time modifiers, the server's limits and budgets.
    /// The rows run lazily under <paramref name="cts"/>, which also carries the search time limit.
    /// A failure while compiling (compiling may run subsearches) is an answer, as in the export.
    /// </summary>
    internal PreparedSearch Prepare(string search, string? earliestTime, string? latestTime, CancellationTokenSource cts)
    {
        // As in Splunk, the search may start with the `search` keyword.
        var original = search;
        var trimmed = search.TrimStart();
        var stripped = 0; // characters removed before what is compiled, to place an error in the caller's text
        if (trimmed.StartsWith("search", StringComparison.OrdinalIgnoreCase) && (trimmed.Length == 6 || char.IsWhiteSpace(trimmed[6])))
        {
            stripped = trimmed.Length == 6 ? 0 : search.Length - trimmed.Length + 7;
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
        var warnings = new List<string>();
        var storeWarnings = new List<string>();
        var scoped = new SearchStore(store, cts.Token, w => StoreWarning(w, warnings, storeWarnings));
        var sc = new SearchContext
        {
            Now = now,
            TimeRange = new TimeRange(earliest, latest),
            Events = scoped,
            DataModels = scoped,
            Lookups = content?.Lookups,
            Macros = content?.Macros ?? Spl.Macros.BuiltInMacros.Instance,
            MaxRowsInMemory = options.SearchMaxRowsInMemory,
            MaxBytesInMemory = options.SearchMaxMemoryBytes,
            RegexTimeBudget = TimeSpan.FromSeconds(options.SearchRegexBudgetSeconds),
            Cancellation = cts.Token,
            Warnings = d => warnings.Add(d.Message),
        };
        CompileResult compiled;
        try
        {
            compiled = SplEngine.Compile(search, sc);
        }
        catch (Exception e) when (Classify(e, CancellationToken.None) is { } failure)
        {
            stats.SearchFailed();
            return PreparedSearch.Failed(failure.Status, failure.Text);
        }

        if (!compiled.Success)
        {
            stats.SearchFailed();
            if (compiled.Diagnostic is not { } d)
            {
                return PreparedSearch.Failed(400, "The search could not be compiled.");
            }

            // The line and column in the message are the caller's, counted in the text as sent (with
            // its leading `search`), as the offset that places the console's caret is.
            var offset = stripped + Math.Clamp(d.Span.Start, 0, compiled.Text.Length);
            var inOriginal = d with { Span = new Escudo.Core.Text.TextSpan(offset, d.Span.Length) };
            return PreparedSearch.Failed(400, inOriginal.Format(original)) with { ErrorOffset = offset, ErrorLength = Math.Max(1, d.Span.Length) };
        }

        stats.SearchRan();
        return new PreparedSearch(RunOnFirstRead(compiled.Search!), warnings, null) { StoreWarnings = storeWarnings };
    }

    /// <summary>A store's warning about the answer (a shard that did not answer), once per search however many scans it makes.</summary>
    private static void StoreWarning(string text, List<string> warnings, List<string> storeWarnings)
    {
        lock (storeWarnings)
        {
            if (!storeWarnings.Contains(text))
            {
                storeWarnings.Add(text);
                warnings.Add(text);
            }
        }
    }

    /// <summary>
    /// The search's rows, started when they are first read: <c>Run()</c> itself already executes
    /// blocking operators (stats over the whole input), so it must run inside the reader's error
    /// mapping (time limit 504, budgets 507), not here.
    /// </summary>
    private static IEnumerable<Row> RunOnFirstRead(CompiledSearch search)
    {
        foreach (var row in search.Run())
        {
            yield return row;
        }
    }

    /// <summary>
    /// What a failure while a prepared search's rows are read means for its client (status,
    /// message), by the same rules as the export (<see cref="SearchFailure"/>); null when the
    /// client itself went away (no one to answer) or for running out of memory.
    /// </summary>
    internal (int Status, string Text)? Classify(Exception e, CancellationToken clientGone) =>
        e is OperationCanceledException && clientGone.IsCancellationRequested ? null : SearchFailure(e, options);

    private static ILogger Log(HttpContext ctx) =>
        ctx.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Escudo.Search") ?? NullLogger.Instance;

    private static async Task Flush(HttpContext ctx, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer, CancellationToken cancellation)
    {
        writer.Flush();
        if (buffer.WrittenCount > 0)
        {
            await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, cancellation);
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
                ["events_rejected"] = stats.EventsRejected,
                ["requests_rejected"] = stats.RequestsRejected,
                ["events_with_unindexed_fields"] = stats.FieldNamesRefused,
            },
            ["commits"] = new Dictionary<string, object> { ["ok"] = queue.Commits, ["failed"] = queue.FailedCommits, ["failed_requests"] = queue.Failures, ["probes"] = queue.Probes },
            ["health"] = queue.Health.Snapshot()["status"],
            ["http"] = new Dictionary<string, object> { ["request_errors"] = stats.RequestErrors },
            ["field_names"] = FieldTable.Count,
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
        ctx.Items[HecAnswers.ReasonKey] = text;
        await ctx.Response.WriteAsync(MessageLine(type, text));
    }
}
