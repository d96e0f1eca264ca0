using System.Net;
using Escudo.Detections.Content;
using Escudo.Server.Http;
using Escudo.Server.Scheduling;
using Escudo.Server.Storage;
using Microsoft.AspNetCore.Builder;
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
    private int _disposed;

    private ServeHost(WebApplication app, DuckDbStore store, CommitQueue queue, DetectionScheduler? scheduler, Uri address)
    {
        _app = app;
        Store = store;
        Queue = queue;
        Scheduler = scheduler;
        BaseAddress = address;
    }

    public Uri BaseAddress { get; }

    public DuckDbStore Store { get; }

    public CommitQueue Queue { get; }

    public DetectionScheduler? Scheduler { get; }

    public static async Task<ServeHost> StartAsync(ServeOptions options, TimeProvider? time = null, bool startScheduler = true)
    {
        time ??= TimeProvider.System;
        var content = options.ContentDir is null ? null : ContentFolder.Load(options.ContentDir);
        var store = new DuckDbStore(options.DataDir, options.StoreMemoryLimit);
        var queue = new CommitQueue(store);
        DetectionScheduler? scheduler = null;
        try
        {
            if (content is not null && options.SchedulerEnabled)
            {
                var (scheduled, unsupported) = DetectionScheduler.Select(content, options);
                scheduler = new DetectionScheduler(store, queue, content, scheduled, unsupported, options, time);
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
            var app = builder.Build();
            var stats = new ServeStats();
            var auth = new Auth(options.Tokens, options.Users, new SessionKeys(time, TimeSpan.FromSeconds(options.SessionIdleSeconds), maxSessions: 10_000));
            var hec = new HecEndpoints(auth, queue, new AckTracker(), stats, time, options.MaxRequestBytes);
            var search = new SearchEndpoints(auth, store, content, options, stats, queue, () => scheduler, time);
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
            app.MapFallback(ctx =>
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                ctx.Response.ContentType = "application/json; charset=UTF-8";
                return ctx.Response.WriteAsync("{\"messages\":[{\"type\":\"ERROR\",\"text\":\"Not found\"}]}");
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            if (startScheduler)
            {
                scheduler?.Start();
            }

            return new ServeHost(app, store, queue, scheduler, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
        }
        catch
        {
            scheduler?.Dispose();
            queue.Dispose();
            store.Dispose();
            throw;
        }
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
    }
}
