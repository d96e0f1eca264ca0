using System.Net;
using Escudo.Detections.Content;
using Escudo.Server.Http;
using Escudo.Server.Scheduling;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Escudo.Server;

/// <summary>The running service: store, commit queue, scheduler and the HTTP endpoints.</summary>
public sealed class ServeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ILoggerFactory _loggers;
    private int _disposed;

    private ServeHost(WebApplication app, ILoggerFactory loggers, IServeStore store, CommitQueue queue, DetectionScheduler? scheduler, Uri address)
    {
        _app = app;
        _loggers = loggers;
        Store = store;
        Queue = queue;
        Scheduler = scheduler;
        BaseAddress = address;
    }

    public Uri BaseAddress { get; }

    public IServeStore Store { get; }

    public CommitQueue Queue { get; }

    public DetectionScheduler? Scheduler { get; }

    /// <summary>
    /// Starts the service. <paramref name="logs"/> receives the log lines too (the tests read them);
    /// <paramref name="faults"/> is the store's fault-injection seam (the fault tests only).
    /// </summary>
    public static async Task<ServeHost> StartAsync(ServeOptions options, TimeProvider? time = null, bool startScheduler = true, ILoggerProvider? logs = null, StoreFaults? faults = null)
    {
        time ??= TimeProvider.System;
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new FormatException(string.Join("; ", problems));
        }

        var loggers = CreateLoggers(options, logs);
        var content = options.ContentDir is null ? null : ContentFolder.Load(options.ContentDir);
        IServeStore store;
        try
        {
            store = OpenStore(options, faults);
        }
        catch
        {
            loggers.Dispose();
            throw;
        }

        var queue = new CommitQueue(store, new StoreHealth(time), loggers.CreateLogger("escudo.store"), time, maxQueuedBytes: options.MaxQueuedBytes);
        DetectionScheduler? scheduler = null;
        try
        {
            if (content is not null && options.SchedulerEnabled)
            {
                var (scheduled, unsupported) = DetectionScheduler.Select(content, options);
                // On ClickHouse, several nodes may share the store: each window is run by the node that claims it.
                IWindowLease? lease = store is ClickHouseStore ch
                    ? new ClickHouseWindowLease(ch, options.NodeId ?? ClickHouseWindowLease.NewNodeName(), TimeSpan.FromSeconds(options.LeaseSeconds ?? options.SearchTimeoutSeconds + 60), TimeSpan.FromSeconds(options.LeaseSettleSeconds), time)
                    : null;
                scheduler = new DetectionScheduler(store, queue, content, scheduled, unsupported, options, time, loggers.CreateLogger("escudo.scheduler"), lease);
                await scheduler.InitializeAsync();
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
                k.AddServerHeader = false;
                k.Listen(ParseListen(options.Listen));
            });
            // The console's antiforgery tokens; keys kept with the data so a restart does not void open forms.
            builder.Services.AddAntiforgery(o => o.Cookie.SameSite = SameSiteMode.Strict);
            builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataDir, "console-keys")));
            var app = builder.Build();
            var stats = new ServeStats();
            var signIns = new SignInLimiter(options.SignInAttemptsPerAddress, options.SignInAttemptsPerUser, TimeSpan.FromSeconds(options.SignInWindowSeconds));
            app.Lifetime.ApplicationStopped.Register(signIns.Dispose);
            var auth = new Auth(options.Tokens, options.Users, new SessionKeys(time, TimeSpan.FromSeconds(options.SessionIdleSeconds), maxSessions: 10_000)) { SignIns = signIns };
            var hec = new HecEndpoints(auth, queue, new AckTracker(), stats, time, options.MaxRequestBytes, options.MaxFieldNames);
            var search = new SearchEndpoints(auth, store, content, options, stats, queue, () => scheduler, time);
            var requestLog = loggers.CreateLogger("escudo.http");
            app.Use((ctx, next) => LogAndContainErrors(ctx, next, requestLog, stats));
            app.MapGet("/escudo/health", ctx => EscudoHealth(ctx, queue, scheduler));
            app.MapGet("/services/collector/health", hec.Health);
            app.MapGet("/services/collector/health/1.0", hec.Health);
            app.MapPost("/services/collector", hec.Event);
            app.MapPost("/services/collector/event", hec.Event);
            app.MapPost("/services/collector/event/1.0", hec.Event);
            app.MapPost("/services/collector/raw", hec.Raw);
            app.MapPost("/services/collector/raw/1.0", hec.Raw);
            app.MapPost("/services/collector/ack", hec.Ack);
            app.MapPost("/services/search/jobs/export", search.Export);
            app.MapGet("/services/search/jobs/export", search.Export);
            SplunkRestEndpoints.Map(app, auth, search, content, options, stats, () => scheduler, time);
            app.MapGet("/escudo/notables", search.Notables);
            app.MapGet("/escudo/risk", search.Risk);
            app.MapGet("/escudo/runs", search.Runs);
            app.MapGet("/escudo/stats", search.Stats);
            var eventLookup = new EventLookupEndpoint(search, store);
            app.MapGet("/escudo/events/{rowId}", (HttpContext ctx, string rowId) => eventLookup.Show(ctx, rowId));
            var consoleAuth = new Web.ConsoleAuth(auth, app.Services.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>());
            // The console's store summary reads a DuckDB file: the event store's own, or, on a ClickHouse store,
            // a file of this node's in its data directory. Incident Review's edits live with the events: in that
            // DuckDB file, or on the ClickHouse cluster, where every server on it shares them.
            var consoleDb = store is DuckDbStore duck ? duck.Path_ : System.IO.Path.Combine(System.IO.Path.GetFullPath(options.DataDir), "console.duckdb");
            INotableReviewStore reviews = store is Storage.ClickHouse.ClickHouseStore house ? new Storage.ClickHouse.ClickHouseNotableReviews(house) : new NotableReviews(consoleDb);
            Web.ConsoleEndpoints.Map(app, new Web.ConsoleServices(consoleAuth, store, consoleDb, reviews, content, options, stats, queue, () => scheduler, search, time));
            app.MapFallback(NotFoundOrNotAllowed);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            if (startScheduler)
            {
                scheduler?.Start();
            }

            return new ServeHost(app, loggers, store, queue, scheduler, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
        }
        catch
        {
            scheduler?.Dispose();
            queue.Dispose();
            store.Dispose();
            loggers.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The fallback: 404, or 405 with Allow for a known path asked with another method (the
    /// fallback matches every method, which hides routing's own 405).
    /// </summary>
    private static Task NotFoundOrNotAllowed(HttpContext ctx)
    {
        var allowed = AllowedMethods(ctx);
        ctx.Response.StatusCode = allowed.Count > 0 ? StatusCodes.Status405MethodNotAllowed : StatusCodes.Status404NotFound;
        ctx.Response.ContentType = "application/json; charset=UTF-8";
        if (allowed.Count > 0)
        {
            ctx.Response.Headers.Allow = string.Join(", ", allowed);
            ctx.Items[HecAnswers.ReasonKey] = "method not allowed; allowed: " + string.Join(", ", allowed);
            return ctx.Response.WriteAsync($"{{\"messages\":[{{\"type\":\"ERROR\",\"text\":\"Method Not Allowed: {ctx.Request.Method} is not supported here (allowed: {string.Join(", ", allowed)})\"}}]}}");
        }

        return ctx.Response.WriteAsync("{\"messages\":[{\"type\":\"ERROR\",\"text\":\"Not found\"}]}");
    }

    /// <summary>The embedded DuckDB store under <c>--data</c>, or the ClickHouse server or cluster <c>--store</c> names.</summary>
    private static IServeStore OpenStore(ServeOptions options, StoreFaults? faults)
    {
        if (options.Store is not { } store)
        {
            return new DuckDbStore(options.DataDir, options.StoreMemoryLimit, faults);
        }

        var location = Storage.ClickHouse.ClickHouseLocation.Parse(store);
        return new Storage.ClickHouse.ClickHouseStore(location, options.ClickHouseUser, options.ClickHousePassword) { PartialResults = options.PartialResults };
    }

    /// <summary>Console logging on stderr (stdout carries the "listening on" line scripts read), one line per entry, UTC times.</summary>
    private static ILoggerFactory CreateLoggers(ServeOptions options, ILoggerProvider? extra) =>
        LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(Enum.Parse<LogLevel>(options.LogLevel, ignoreCase: true));
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
            b.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            if (extra is not null)
            {
                b.AddProvider(extra);
            }
        });

    /// <summary>
    /// One log line per request answered with an error (warning for 4xx, error for 5xx), and no
    /// exception ever reaches Kestrel: it becomes a 500 with a JSON body (HEC's code 8 on HEC paths).
    /// </summary>
    private static async Task LogAndContainErrors(HttpContext ctx, RequestDelegate next, ILogger log, ServeStats stats)
    {
        try
        {
            await next(ctx);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !(e is OperationCanceledException && ctx.RequestAborted.IsCancellationRequested))
        {
            ctx.Items[HecAnswers.ReasonKey] = $"unexpected {e.GetType().Name}: {e.Message}";
            log.LogError(e, "{Method} {Path} failed unexpectedly", ctx.Request.Method, ctx.Request.Path.Value);
            if (!ctx.Response.HasStarted)
            {
                ctx.Response.Clear();
                if (ctx.Request.Path.StartsWithSegments("/services/collector", StringComparison.OrdinalIgnoreCase))
                {
                    await HecAnswers.Write(ctx, 500, "Internal server error", 8);
                }
                else
                {
                    ctx.Response.StatusCode = 500;
                    ctx.Response.ContentType = "application/json; charset=UTF-8";
                    await ctx.Response.WriteAsync("{\"messages\":[{\"type\":\"FATAL\",\"text\":\"Internal error; the server log has the details.\"}]}");
                }
            }
        }

        var status = ctx.Response.StatusCode;
        if (status >= 400)
        {
            stats.RequestFailed();
            var reason = ctx.Items.TryGetValue(HecAnswers.ReasonKey, out var r) ? r as string : null;
            log.Log(
                status >= 500 ? LogLevel.Error : LogLevel.Warning,
                "{Method} {Path} answered {Status} to {Client}: {Reason}",
                ctx.Request.Method,
                ctx.Request.Path.Value,
                status,
                ctx.Connection.RemoteIpAddress?.ToString() ?? "?",
                reason ?? "-");
        }
    }

    /// <summary>The methods routes accept at this request's path (empty when no route has the path).</summary>
    private static List<string> AllowedMethods(HttpContext ctx)
    {
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        var sources = ctx.RequestServices.GetServices<Microsoft.AspNetCore.Routing.EndpointDataSource>();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>() is not { } m || m.HttpMethods.Count == 0)
            {
                continue; // the fallback itself, or a route for every method
            }

            var template = Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(endpoint.RoutePattern.RawText ?? string.Empty);
            var matcher = new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(template, new Microsoft.AspNetCore.Routing.RouteValueDictionary());
            if (matcher.TryMatch(ctx.Request.Path, new Microsoft.AspNetCore.Routing.RouteValueDictionary()))
            {
                methods.UnionWith(m.HttpMethods);
            }
        }

        return [.. methods];
    }

    /// <summary><c>GET /escudo/health</c>: 200 ok, or 503 degraded with the reason, the last error and since when.</summary>
    private static Task EscudoHealth(HttpContext ctx, CommitQueue queue, DetectionScheduler? scheduler)
    {
        var body = queue.Health.Snapshot();
        var pending = scheduler?.PendingRetries ?? 0;
        if (pending > 0 && body["reason"] is null)
        {
            body["status"] = "degraded";
            body["reason"] = $"{pending} scheduled detections wait for a failed window to be retried";
        }

        body["store"] = new Dictionary<string, object>
        {
            ["failed_commits"] = queue.FailedCommits,
            ["failed_requests"] = queue.Failures,
            ["queued_requests"] = queue.QueuedRequests,
            ["probes"] = queue.Probes,
        };
        body["scheduler"] = scheduler is null ? null : new Dictionary<string, object> { ["pending_retries"] = pending, ["commit_failures"] = scheduler.CommitFailures, ["retried"] = scheduler.Retries };
        ctx.Response.StatusCode = (string?)body["status"] == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        ctx.Response.ContentType = "application/json; charset=UTF-8";
        return ctx.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(body));
    }

    public static IPEndPoint ParseListen(string listen)
    {
        if (int.TryParse(listen, out var port))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (listen.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            listen = "127.0.0.1" + listen[9..];
        }

        return IPEndPoint.TryParse(listen, out var ep) ? ep : throw new FormatException($"--listen '{listen}' is not ADDRESS:PORT (e.g. 127.0.0.1:8088)");
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>Stops taking requests, stops the scheduler, commits what is queued, closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        Scheduler?.Dispose();
        Queue.Dispose();
        await _app.DisposeAsync();
        Store.Dispose();
        _loggers.Dispose();
    }
}
