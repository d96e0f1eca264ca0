using System.Globalization;
using System.Text;
using Escudo.Detections.Content;
using Escudo.Server.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Primitives;

namespace Escudo.Server.Http;

/// <summary>
/// Splunk's REST search API as its SDKs call it: <c>auth/login</c>, the search job lifecycle
/// (<c>search/jobs</c> and <c>search/v2/jobs</c>: create normal/blocking/oneshot, status,
/// results, events, control, delete), <c>server/info</c>, <c>data/indexes</c>,
/// <c>saved/searches</c>, each under <c>/services</c> and <c>/servicesNS/{owner}/{app}</c>.
/// Searches run through <see cref="SearchEndpoints.Prepare"/>, the export endpoint's path.
/// </summary>
internal sealed class SplunkRestEndpoints(Auth auth, SearchEndpoints search, SearchJobs jobs, ContentFolder? content, ServeOptions options, ServeStats stats, Func<DetectionScheduler?> scheduler, TimeProvider time)
{
    private static readonly string[] Prefixes = ["/services", "/servicesNS/{owner}/{app}"];

    // Splunk 9.0.2+ serves the same jobs under search/v2/jobs (results and events by POST); the SDKs pick by server version.
    private static readonly string[] JobPaths = ["search/jobs", "search/v2/jobs"];

    public static void Map(WebApplication app, Auth auth, SearchEndpoints search, ContentFolder? content, ServeOptions options, ServeStats stats, Func<DetectionScheduler?> scheduler, TimeProvider time)
    {
        var jobs = new SearchJobs(search, options, time);
        var rest = new SplunkRestEndpoints(auth, search, jobs, content, options, stats, scheduler, time);
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(jobs.StopAll);
        app.MapPost("/services/auth/login", rest.Login);
        app.MapPost("/servicesNS/{owner}/{app}/auth/login", rest.Login);
        foreach (var p in Prefixes)
        {
            if (p != "/services")
            {
                app.MapMethods(p + "/search/jobs/export", ["GET", "POST"], search.Export);
            }

            foreach (var j in JobPaths)
            {
                app.MapPost($"{p}/{j}", rest.Create);
                app.MapGet($"{p}/{j}", rest.ListJobs);
                app.MapGet($"{p}/{j}/{{sid}}", rest.Status);
                app.MapDelete($"{p}/{j}/{{sid}}", rest.Delete);
                app.MapMethods($"{p}/{j}/{{sid}}/results", ["GET", "POST"], ctx => rest.Results(ctx, preview: false));
                app.MapMethods($"{p}/{j}/{{sid}}/results_preview", ["GET", "POST"], ctx => rest.Results(ctx, preview: true));
                app.MapMethods($"{p}/{j}/{{sid}}/events", ["GET", "POST"], ctx => rest.Results(ctx, preview: true));
                app.MapPost($"{p}/{j}/{{sid}}/control", rest.Control);
            }

            app.MapGet(p + "/server/info", rest.ServerInfo);
            app.MapGet(p + "/data/indexes", rest.Indexes);
            app.MapGet(p + "/saved/searches", rest.SavedSearches);
        }
    }

    /// <summary><c>POST /services/auth/login</c>: <c>username</c>, <c>password</c> → a session key (XML <c>&lt;response&gt;&lt;sessionKey&gt;</c>, or JSON with output_mode=json).</summary>
    public async Task Login(HttpContext ctx)
    {
        var form = await ReadForm(ctx);
        if (form is null)
        {
            return;
        }

        var mode = Field(form, "output_mode");
        var user = Field(form, "username");
        var password = Field(form, "password");
        if (auth.SignIns?.Attempt(ctx.Connection.RemoteIpAddress, user ?? string.Empty) is { } refused)
        {
            ctx.Response.Headers.RetryAfter = refused.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Message(ctx, mode, 429, "WARN", refused.Message);
            return;
        }

        if (user is null || password is null || !auth.CheckPassword(user, password))
        {
            stats.AuthFailed();
            await Message(ctx, mode, 401, "WARN", "Login failed");
            return;
        }

        if (auth.Sessions?.Create(user) is not { } key)
        {
            await Message(ctx, mode, 503, "ERROR", "Too many sessions are open; try again after some expire.");
            return;
        }

        if (SplunkAtom.WantsJson(mode))
        {
            await Write(ctx, 200, "application/json; charset=UTF-8", Encoding.UTF8.GetBytes("{\"sessionKey\":\"" + key + "\"}"));
        }
        else
        {
            await Write(ctx, 200, "text/xml; charset=UTF-8", Encoding.UTF8.GetBytes("<response>\n  <sessionKey>" + key + "</sessionKey>\n</response>\n"));
        }
    }

    /// <summary><c>POST search/jobs</c>: <c>exec_mode</c> normal (answers the sid at once), blocking (when done) or oneshot (answers the results; no job is kept).</summary>
    public async Task Create(HttpContext ctx)
    {
        if (await Who(ctx) is not { } who || await ReadForm(ctx) is not { } form)
        {
            return;
        }

        var mode = Field(form, "output_mode") ?? Field(ctx.Request.Query, "output_mode");
        var text = Field(form, "search");
        if (text is null)
        {
            await Message(ctx, mode, 400, "FATAL", "Missing search: the field 'search' is required.");
            return;
        }

        var exec = (Field(form, "exec_mode") ?? "normal").ToLowerInvariant();
        if (exec is not ("normal" or "blocking" or "oneshot"))
        {
            await Message(ctx, mode, 400, "FATAL", $"Invalid exec_mode '{exec}': use normal, blocking or oneshot.");
            return;
        }

        if (exec == "oneshot" && !await CheckOutputMode(ctx, mode))
        {
            return;
        }

        var (job, status, error) = jobs.Start(who, text, Field(form, "earliest_time"), Field(form, "latest_time"), exec == "oneshot" ? null : Field(form, "id"), stats.SearchFailed);
        if (job is null)
        {
            await Message(ctx, mode, status, "FATAL", error!);
            return;
        }

        if (exec == "normal")
        {
            await Sid(ctx, mode, job.Sid);
            return;
        }

        // A client that goes away stops its blocking or oneshot search.
        using (ctx.RequestAborted.Register(job.Cancel))
        {
            await job.Finished;
        }

        if (exec == "blocking")
        {
            await Sid(ctx, mode, job.Sid);
            return;
        }

        jobs.Remove(job);
        if (job.DispatchState == "FAILED")
        {
            await Message(ctx, mode, 400, "FATAL", job.Messages().LastOrDefault(m => m.Type == "FATAL").Text ?? "The search failed.");
            return;
        }

        var (offset, count) = Paging(form, ctx.Request.Query);
        await WriteResults(ctx, mode ?? "xml", job.Page(offset, count), offset, preview: false, job.Messages());
    }

    public async Task ListJobs(HttpContext ctx)
    {
        if (await Who(ctx) is not { } who)
        {
            return;
        }

        var mode = Field(ctx.Request.Query, "output_mode");
        var entries = jobs.List(who).Select(j => JobEntry(ctx, j)).ToList();
        await Write(ctx, 200, SplunkAtom.ContentType(mode), SplunkAtom.Feed(mode, "jobs", Origin(ctx), entries, time.GetUtcNow()));
    }

    /// <summary><c>GET search/jobs/{sid}</c>: the job entity (dispatchState, doneProgress, counts, isDone, isFailed, messages).</summary>
    public async Task Status(HttpContext ctx)
    {
        if (await Job(ctx) is not { } job)
        {
            return;
        }

        var mode = Field(ctx.Request.Query, "output_mode");
        await Write(ctx, 200, SplunkAtom.ContentType(mode), SplunkAtom.Feed(mode, "jobs", Origin(ctx), [JobEntry(ctx, job)], time.GetUtcNow()));
    }

    public async Task Delete(HttpContext ctx)
    {
        if (await Job(ctx) is not { } job)
        {
            return;
        }

        jobs.Remove(job);
        await Message(ctx, Field(ctx.Request.Query, "output_mode"), 200, "INFO", $"Search job '{job.Sid}' was deleted.");
    }

    /// <summary>
    /// <c>results</c>, <c>results_preview</c> and <c>events</c> with <c>offset</c>/<c>count</c>
    /// (Splunk's default count 100; 0 means all). <c>results</c> of an unfinished job answer 204,
    /// as Splunk's do. Escudo keeps a job's results only, so <c>events</c> pages the same rows.
    /// </summary>
    public async Task Results(HttpContext ctx, bool preview)
    {
        if (await Job(ctx) is not { } job)
        {
            return;
        }

        var form = HttpMethods.IsPost(ctx.Request.Method) ? await ReadForm(ctx) : ctx.Request.Query.ToDictionary(k => k.Key, k => k.Value);
        if (form is null)
        {
            return;
        }

        var mode = Field(form, "output_mode") ?? Field(ctx.Request.Query, "output_mode") ?? "xml";
        if (!await CheckOutputMode(ctx, mode))
        {
            return;
        }

        if (!preview && !job.IsDone)
        {
            ctx.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var (offset, count) = Paging(form, ctx.Request.Query);
        await WriteResults(ctx, mode, job.Page(offset, count), offset, preview: !job.IsDone, job.Messages());
    }

    /// <summary><c>POST search/jobs/{sid}/control</c>: <c>action</c> cancel, finalize or touch.</summary>
    public async Task Control(HttpContext ctx)
    {
        if (await Job(ctx) is not { } job || await ReadForm(ctx) is not { } form)
        {
            return;
        }

        var mode = Field(form, "output_mode") ?? Field(ctx.Request.Query, "output_mode");
        switch (Field(form, "action"))
        {
            case "cancel":
                jobs.Remove(job);
                await Message(ctx, mode, 200, "INFO", "Search job cancelled.");
                break;
            case "finalize":
                job.FinalizeSearch();
                await Message(ctx, mode, 200, "INFO", "Search job finalized.");
                break;
            case "touch":
                await Message(ctx, mode, 200, "INFO", "Search job touched.");
                break;
            case { } other:
                await Message(ctx, mode, 400, "ERROR", $"Action '{other}' is not supported by Escudo: use cancel, finalize or touch.");
                break;
            default:
                await Message(ctx, mode, 400, "ERROR", "Missing action: use cancel, finalize or touch.");
                break;
        }
    }

    /// <summary><c>GET server/info</c>: what Splunk's SDKs read after login (<c>generator.version</c> picks their endpoints).</summary>
    public async Task ServerInfo(HttpContext ctx)
    {
        if (await Who(ctx) is null)
        {
            return;
        }

        var mode = Field(ctx.Request.Query, "output_mode");
        var content = new Dictionary<string, object?>
        {
            ["serverName"] = Environment.MachineName,
            ["version"] = SplunkAtom.ApiVersion,
            ["build"] = "escudo",
            ["product_type"] = "escudo",
            ["instance_type"] = "escudo",
            ["os_name"] = Environment.OSVersion.Platform.ToString(),
            ["isFree"] = false,
            ["licenseState"] = "OK",
        };
        var entry = new SplunkAtom.Entry("server-info", Origin(ctx), "system", time.GetUtcNow(), new Dictionary<string, string>(), content);
        await Write(ctx, 200, SplunkAtom.ContentType(mode), SplunkAtom.Feed(mode, "server-info", Origin(ctx), [entry], time.GetUtcNow()));
    }

    /// <summary><c>GET data/indexes</c>: the indexes that hold events (counted by a search), plus those tokens write to.</summary>
    public async Task Indexes(HttpContext ctx)
    {
        if (await Who(ctx) is null)
        {
            return;
        }

        var mode = Field(ctx.Request.Query, "output_mode");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal) { ["main"] = 0, ["notable"] = 0, ["risk"] = 0 };
        foreach (var t in options.Tokens)
        {
            if (t.Index is { Length: > 0 } i)
            {
                counts.TryAdd(i.ToLowerInvariant(), 0);
            }
        }

        var prepared = search.Prepare("index=* | stats count by index", null, null, cts);
        try
        {
            foreach (var row in prepared.Rows ?? [])
            {
                var r = ResultRecord.From(row);
                if (r.Get("index") is string name && long.TryParse(r.Get("count") as string, CultureInfo.InvariantCulture, out var n))
                {
                    counts[name] = n;
                }
            }
        }
        catch (Exception e) when (search.Classify(e, ctx.RequestAborted) is { } failure)
        {
            await Message(ctx, mode, failure.Status, "FATAL", "Could not count the indexes' events: " + failure.Text);
            return;
        }

        var now = time.GetUtcNow();
        var entries = counts.Select(kv => new SplunkAtom.Entry(kv.Key, Origin(ctx) + "/" + kv.Key, "nobody", now, new Dictionary<string, string>(), new Dictionary<string, object?>
        {
            ["totalEventCount"] = kv.Value.ToString(CultureInfo.InvariantCulture),
            ["disabled"] = false,
            ["datatype"] = "event",
        })).ToList();
        await Write(ctx, 200, SplunkAtom.ContentType(mode), SplunkAtom.Feed(mode, "indexes", Origin(ctx), entries, now));
    }

    /// <summary>
    /// <c>GET saved/searches</c> (read-only): each loaded detection as the ESCU app names its saved
    /// search (<c>ESCU - NAME - Rule</c>), with the schedule the server runs it on; detections the
    /// scheduler does not run are listed disabled, with the reason.
    /// </summary>
    public async Task SavedSearches(HttpContext ctx)
    {
        if (await Who(ctx) is null)
        {
            return;
        }

        var mode = Field(ctx.Request.Query, "output_mode");
        var now = time.GetUtcNow();
        var s = scheduler();
        var enabled = new HashSet<Detection>(s?.Detections ?? []);
        var reasons = (s?.Unsupported ?? []).ToDictionary(u => u.Detection, u => u.Reason);
        var entries = new List<SplunkAtom.Entry>();
        foreach (var d in content?.Detections ?? [])
        {
            var on = enabled.Contains(d);
            var name = $"ESCU - {d.Name} - Rule";
            var c = new Dictionary<string, object?>
            {
                ["search"] = d.Search,
                ["description"] = d.Description ?? string.Empty,
                ["cron_schedule"] = options.Cron,
                ["dispatch.earliest_time"] = options.Earliest,
                ["dispatch.latest_time"] = options.Latest,
                ["is_scheduled"] = on,
                ["disabled"] = !on,
                ["action.escu.rule_id"] = d.Id,
                ["escudo.file"] = d.File,
            };
            if (!on)
            {
                c["escudo.disabled_reason"] = reasons.TryGetValue(d, out var why) ? why
                    : s is null ? "the scheduler is off (--no-scheduler or no content)"
                    : "not selected (deprecated, experimental, or outside --only)";
            }

            entries.Add(new SplunkAtom.Entry(name, Origin(ctx) + "/" + Uri.EscapeDataString(name), "nobody", now, new Dictionary<string, string>(), c));
        }

        await Write(ctx, 200, SplunkAtom.ContentType(mode), SplunkAtom.Feed(mode, "savedsearch", Origin(ctx), entries, now));
    }

    /// <summary>The export endpoint's csv and xml modes: the results collected (up to the job result limit), then written in that shape.</summary>
    internal static async Task Export(HttpContext ctx, SearchEndpoints search, IDictionary<string, StringValues> form, string mode, int maxResults)
    {
        if (!ResultFormats.IsKnown(mode))
        {
            await SearchEndpoints.Messages(ctx, 400, "FATAL", $"output_mode '{mode}' is not supported; use json, json_rows, json_cols, csv or xml.");
            return;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        var prepared = search.Prepare(Field(form, "search")!, Field(form, "earliest_time"), Field(form, "latest_time"), cts);
        if (prepared.Error is { } error)
        {
            await SearchEndpoints.Messages(ctx, error.Status, "FATAL", error.Text);
            return;
        }

        var rows = new List<ResultRecord>();
        var messages = new List<(string, string)>();
        try
        {
            foreach (var row in prepared.Rows!)
            {
                if (rows.Count >= maxResults)
                {
                    messages.Add(("WARN", $"Export kept the first {maxResults} results (the server's jobMaxResults limit) in output_mode {mode}; use output_mode=json to stream them all."));
                    break;
                }

                rows.Add(ResultRecord.From(row));
            }
        }
        catch (Exception e) when (search.Classify(e, ctx.RequestAborted) is { } failure)
        {
            await SearchEndpoints.Messages(ctx, failure.Status, "FATAL", failure.Text);
            return;
        }

        messages.AddRange(prepared.StoreWarnings.Select(w => ("WARN", w)));
        await WriteResults(ctx, mode, rows, 0, preview: false, messages);
    }

    private static async Task WriteResults(HttpContext ctx, string mode, IReadOnlyList<ResultRecord> rows, int offset, bool preview, IReadOnlyList<(string, string)> messages) =>
        await Write(ctx, 200, ResultFormats.ContentType(mode), ResultFormats.Write(mode, rows, offset, preview, messages));

    private SplunkAtom.Entry JobEntry(HttpContext ctx, SearchJob j)
    {
        var path = ctx.Request.Path.Value ?? "/services/search/jobs";
        var basePath = path.Contains("/search/v2/jobs", StringComparison.Ordinal) ? "/services/search/v2/jobs/" : "/services/search/jobs/";
        var self = basePath + Uri.EscapeDataString(j.Sid);
        var messages = j.Messages();
        var count = j.ResultCount;
        var content = new Dictionary<string, object?>
        {
            ["sid"] = j.Sid,
            ["dispatchState"] = j.DispatchState,
            ["doneProgress"] = j.IsDone ? 1.0 : 0.0,
            ["isDone"] = j.IsDone,
            ["isFailed"] = j.DispatchState == "FAILED",
            ["isFinalized"] = j.IsFinalized,
            ["isPaused"] = false,
            ["isSaved"] = false,
            ["isZombie"] = false,
            ["resultCount"] = count,
            ["resultPreviewCount"] = count,
            ["eventCount"] = count,
            ["scanCount"] = count,
            ["eventAvailableCount"] = count,
            ["eventSearch"] = j.Search,
            ["search"] = j.Search,
            ["earliestTime"] = j.EarliestTime ?? string.Empty,
            ["latestTime"] = j.LatestTime ?? string.Empty,
            ["ttl"] = (int)options.JobTtlSeconds,
            ["runDuration"] = ((j.IsDone ? j.LastUsed : time.GetUtcNow()) - j.Created).TotalSeconds,
            ["messages"] = messages.GroupBy(m => m.Type.ToLowerInvariant()).ToDictionary(g => g.Key, g => (object?)g.Select(m => (object?)m.Text).ToList()),
        };
        var links = new Dictionary<string, string>
        {
            ["alternate"] = self,
            ["events"] = self + "/events",
            ["results"] = self + "/results",
            ["results_preview"] = self + "/results_preview",
            ["control"] = self + "/control",
        };
        return new SplunkAtom.Entry(j.Search, self, j.Author, j.LastUsed, links, content);
    }

    private async Task<TokenConfig?> Who(HttpContext ctx)
    {
        if (!await search.Authorize(ctx))
        {
            return null;
        }

        auth.Check(ctx, allowBearer: true, out var token);
        return token;
    }

    private async Task<SearchJob?> Job(HttpContext ctx)
    {
        if (await Who(ctx) is not { } who)
        {
            return null;
        }

        var sid = ctx.Request.RouteValues["sid"] as string ?? string.Empty;
        if (jobs.Get(who, sid) is { } job)
        {
            return job;
        }

        await Message(ctx, Field(ctx.Request.Query, "output_mode"), 404, "FATAL", $"Unknown sid: no search job '{sid}' (it may have expired, been deleted, or belong to another user).");
        return null;
    }

    private static async Task<bool> CheckOutputMode(HttpContext ctx, string? mode)
    {
        if (mode is null || ResultFormats.IsKnown(mode))
        {
            return true;
        }

        await Message(ctx, "json", 400, "FATAL", $"output_mode '{mode}' is not supported; use json, json_rows, json_cols, csv or xml.");
        return false;
    }

    private static (int Offset, int Count) Paging(IDictionary<string, StringValues> form, IQueryCollection query)
    {
        static int? Int(string? s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        var offset = Int(Field(form, "offset") ?? Field(query, "offset")) ?? 0;
        var count = Int(Field(form, "count") ?? Field(query, "count")) ?? 100;
        return (Math.Max(0, offset), Math.Max(0, count));
    }

    private static string Origin(HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.Path}";

    private static async Task<IDictionary<string, StringValues>?> ReadForm(HttpContext ctx)
    {
        try
        {
            var fields = ctx.Request.Query.ToDictionary(k => k.Key, k => k.Value);
            if (ctx.Request.HasFormContentType)
            {
                foreach (var (k, v) in await ctx.Request.ReadFormAsync(ctx.RequestAborted))
                {
                    fields[k] = v;
                }
            }

            return fields;
        }
        catch (Exception e) when (e is BadHttpRequestException or InvalidDataException)
        {
            await SearchEndpoints.Messages(ctx, e is BadHttpRequestException { StatusCode: 413 } ? 413 : 400, "FATAL", "Request too large or malformed: " + e.Message);
            return null;
        }
    }

    private static string? Field(IEnumerable<KeyValuePair<string, StringValues>> form, string name) =>
        form.FirstOrDefault(kv => kv.Key == name).Value is { Count: > 0 } v && !string.IsNullOrWhiteSpace(v[0]) ? v[0] : null;

    private static async Task Sid(HttpContext ctx, string? mode, string sid)
    {
        if (SplunkAtom.WantsJson(mode))
        {
            await Write(ctx, 201, "application/json; charset=UTF-8", Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["sid"] = sid })));
        }
        else
        {
            await Write(ctx, 201, "text/xml; charset=UTF-8", Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>\n  <sid>" + System.Security.SecurityElement.Escape(sid) + "</sid>\n</response>\n"));
        }
    }

    /// <summary>A Splunk REST message answer: <c>{"messages":[{"type","text"}]}</c> in JSON, <c>&lt;response&gt;&lt;messages&gt;&lt;msg type&gt;</c> in XML.</summary>
    private static async Task Message(HttpContext ctx, string? mode, int status, string type, string text)
    {
        if (mode is null || SplunkAtom.WantsJson(mode) || mode == "csv")
        {
            await SearchEndpoints.Messages(ctx, status, type, text);
            return;
        }

        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>\n  <messages>\n    <msg type=\"" + type + "\">" + System.Security.SecurityElement.Escape(ResultFormats.XmlSafe(text)) + "</msg>\n  </messages>\n</response>\n";
        await Write(ctx, status, "text/xml; charset=UTF-8", Encoding.UTF8.GetBytes(xml));
    }

    private static async Task Write(HttpContext ctx, int status, string contentType, byte[] body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }
}
