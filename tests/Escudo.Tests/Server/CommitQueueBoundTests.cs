using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Server;
using Escudo.Server.Http;
using Escudo.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Escudo.Tests.Server;

/// <summary>
/// The commit queue holds at most <see cref="CommitQueue.MaxQueuedBytes"/> of events waiting for a
/// slow store: past it an HEC request is refused whole with 503 "Server is busy" (never
/// acknowledged, so the client sends it again), the health check turns unhealthy, and every
/// request that was taken is committed once the store moves again.
/// </summary>
public sealed class CommitQueueBoundTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-queue-bound-").FullName;
    private readonly StoreFaults _faults = new() { Stall = new ManualResetEventSlim(false) };

    public void Dispose()
    {
        _faults.Stall!.Set();
        _faults.Stall.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static List<Row> Events(string tag, int count)
    {
        var rows = new List<Row>();
        for (var i = 0; i < count; i++)
        {
            var row = new Row();
            row.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + i));
            row.Set(FieldTable.Index, Value.FromString("main"));
            row.Set(FieldTable.Raw, Value.FromString($"{tag} {i} " + new string('x', 5_000)));
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task Past_its_limit_the_queue_refuses_a_request_whole_and_commits_every_one_it_took()
    {
        using var store = new DuckDbStore(_dir, faults: _faults);
        using var queue = new CommitQueue(store, maxQueuedBytes: 64 * 1024);
        using var release = new Release(_faults);
        var first = queue.CommitAsync(Events("first", 3), refuseWhenFull: true); // ~30 KB: taken, then held by the stalled store
        var second = queue.CommitAsync(Events("second", 3), refuseWhenFull: true); // ~60 KB in all: taken
        Assert.False(first.IsCompleted);
        Assert.True(queue.NearlyFull);
        Assert.True(queue.QueuedBytes > 60_000, $"queued {queue.QueuedBytes} bytes");
        var refused = await Assert.ThrowsAsync<CommitQueueFullException>(() => queue.CommitAsync(Events("third", 3), refuseWhenFull: true));
        Assert.Contains("limit of 0.1 MB", refused.Message, StringComparison.Ordinal);
        Assert.Contains("retry later", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, queue.RefusedFull);

        // A caller that does not ask to be refused (the scheduler's results) is still taken.
        var scheduled = queue.CommitAsync(Events("scheduled", 1));
        _faults.Stall!.Set();
        await Task.WhenAll(first, second, scheduled);
        queue.Dispose();

        Assert.Equal(0, queue.QueuedBytes);
        Assert.False(queue.NearlyFull);
        var raws = store.Scan(Escudo.Core.Storage.ScanRequest.All, Pushdown.None, CancellationToken.None).Select(r => r.Get(FieldTable.Raw).FirstString()![..r.Get(FieldTable.Raw).FirstString()!.IndexOf(' ', StringComparison.Ordinal)]).ToList();
        Assert.Equal(7, raws.Count);
        Assert.DoesNotContain("third", raws);
    }

    [Fact]
    public async Task A_request_larger_than_the_limit_is_taken_when_the_queue_is_empty()
    {
        _faults.Stall!.Set();
        using var store = new DuckDbStore(_dir, faults: _faults);
        using var queue = new CommitQueue(store, maxQueuedBytes: 16 * 1024);
        await queue.CommitAsync(Events("large", 5), refuseWhenFull: true);
        Assert.Equal(5, store.CountEvents());
    }

    [Fact]
    public async Task Hec_answers_server_is_busy_while_the_queue_is_full_and_the_resent_request_is_stored_once()
    {
        using var store = new DuckDbStore(_dir, faults: _faults);
        using var queue = new CommitQueue(store, maxQueuedBytes: 64 * 1024);
        using var release = new Release(_faults);
        var token = new TokenConfig { Token = "t" };
        var hec = new HecEndpoints(new Auth([token]), queue, new AckTracker(), new ServeStats(), TimeProvider.System, 64 << 20);
        string Body(string tag) => string.Join("\n", Enumerable.Range(0, 3).Select(i => $"{{\"time\":1700000000,\"event\":\"{tag} {i} {new string('y', 4_000)}\"}}"));

        // Three events of ~8 KB each: the first is held by the stalled store, the second fills the queue past three quarters, the third passes its limit.
        var (firstCtx, firstDone) = Post(hec.Event, Body("first"));
        var (secondCtx, secondDone) = Post(hec.Event, Body("second"));
        var (thirdCtx, thirdDone) = Post(hec.Event, Body("third"));
        Assert.True(thirdDone.IsCompleted, $"the third request waits (queued {queue.QueuedBytes} bytes of {queue.MaxQueuedBytes})");
        await thirdDone;
        Assert.Equal(503, thirdCtx.Response.StatusCode);
        Assert.Equal("{\"text\":\"Server is busy\",\"code\":9}", Answer(thirdCtx));
        var (healthCtx, healthDone) = Post(hec.Health, string.Empty);
        await healthDone;
        Assert.Equal(503, healthCtx.Response.StatusCode);

        _faults.Stall!.Set();
        await Task.WhenAll(firstDone, secondDone);
        Assert.Equal(200, firstCtx.Response.StatusCode);
        Assert.Equal(200, secondCtx.Response.StatusCode);
        var (resentCtx, resentDone) = Post(hec.Event, Body("third"));
        await resentDone;
        Assert.Equal(200, resentCtx.Response.StatusCode);
        var (healthAfterCtx, healthAfterDone) = Post(hec.Health, string.Empty);
        await healthAfterDone;
        Assert.Equal(200, healthAfterCtx.Response.StatusCode);
        queue.Dispose();
        Assert.Equal(9, store.CountEvents());
    }

    [Fact]
    public async Task The_bound_is_the_serve_config_maxQueuedBytes_and_must_be_positive()
    {
        var file = Path.Combine(_dir, "serve.json");
        File.WriteAllText(file, "{\"maxQueuedBytes\": 65536}");
        var options = ServeOptions.FromFile(file);
        Assert.Equal(65536, options.MaxQueuedBytes);
        Assert.Equal(CommitQueue.DefaultMaxQueuedBytes, new ServeOptions().MaxQueuedBytes);
        Assert.Contains(new ServeOptions { MaxQueuedBytes = 0 }.Validate(), p => p.Contains("maxQueuedBytes", StringComparison.Ordinal));

        await using var f = await ServeFixture.StartAsync(o =>
        {
            o.SchedulerEnabled = false;
            o.MaxQueuedBytes = options.MaxQueuedBytes;
        });
        Assert.Equal(65536, f.Host.Queue.MaxQueuedBytes);
    }

    private static (HttpContext Ctx, Task Done) Post(Func<HttpContext, Task> endpoint, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var ctx = new DefaultHttpContext();
        ctx.Request.Method = "POST";
        ctx.Request.Headers.Authorization = "Splunk t";
        ctx.Request.Body = new MemoryStream(bytes);
        ctx.Request.ContentLength = bytes.Length;
        ctx.Response.Body = new MemoryStream();
        return (ctx, endpoint(ctx));
    }

    /// <summary>Lets a stalled store go on when a test ends early (a failed assertion), before the store and queue are disposed.</summary>
    private sealed class Release(StoreFaults faults) : IDisposable
    {
        public void Dispose() => faults.Stall!.Set();
    }

    private static string Answer(HttpContext ctx) => Encoding.UTF8.GetString(((MemoryStream)ctx.Response.Body).ToArray());
}
