using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Escudo.Server.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Escudo.Tests.Server;

/// <summary>
/// The fault suite: a full disk and a read-only data folder during ingestion and at scheduled
/// runs, then recovery without a restart. Faults are injected at the store's file layer
/// (<see cref="StoreFaults"/>: CI runs as root, where chmod does not stop writes), so the
/// production path above it is what fails. Asserted throughout: nothing acknowledged is lost or
/// doubled, no notable is lost or duplicated, no window is skipped, health tells the truth.
/// </summary>
public sealed class StoreFaultTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // source: https://help.splunk.com/en/splunk-enterprise/get-data-in/collect-http-event-data/troubleshoot-http-event-collector
    // (code 17 "HEC is healthy" 200; code 18 "HEC is unhealthy" 503; code 9 "Server is busy" 503)
    private const string Unhealthy = "{\"text\":\"HEC is unhealthy, queues are full\",\"code\":18}";

    [Theory]
    [InlineData(StoreFault.DiskFull, "No space left on device")]
    [InlineData(StoreFault.ReadOnly, "Read-only file system")]
    public async Task Ingestion_through_a_store_fault_loses_nothing_acknowledged_and_recovers_without_restart(StoreFault fault, string osError)
    {
        var faults = new StoreFaults();
        var logs = new CapturedLogs();
        await using var f = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false, logs: logs, faults: faults);
        f.Host.Queue.FirstProbeDelay = TimeSpan.FromMilliseconds(20);
        f.Host.Queue.MaxProbeDelay = TimeSpan.FromMilliseconds(100);
        await AssertHealthy(f);

        var acked = new ConcurrentDictionary<string, bool>();
        var sent = new ConcurrentDictionary<string, bool>();
        var refused = 0;
        var unexpected = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var ids = Enumerable.Range(0, 50).Select(i => $"w{w}-{n}-{i}").ToList();
                var body = string.Concat(ids.Select(id => $"{{\"index\":\"faults\",\"event\":{{\"id\":\"{id}\"}}}}"));
                foreach (var id in ids)
                {
                    sent[id] = true;
                }

                var (s, b) = await f.SendAsync(ServeFixture.Post("/services/collector/event", body));
                if (s == 200 && b == "{\"text\":\"Success\",\"code\":0}")
                {
                    ids.ForEach(id => acked[id] = true);
                }
                else if (s == 503 && b == "{\"text\":\"Server is busy\",\"code\":9}")
                {
                    Interlocked.Increment(ref refused);
                }
                else
                {
                    unexpected.Enqueue($"{s} {b}");
                }
            }
        })).ToArray();

        await Until(() => acked.Count >= 500, "no events acknowledged before the fault");
        faults.Current = fault;
        await Until(() => Volatile.Read(ref refused) >= 3, "requests were not refused during the fault");

        // During the fault: both health endpoints say so, with the reason and the error.
        var (hs, hb) = await Get(f, "/services/collector/health");
        Assert.Equal((503, Unhealthy), (hs, hb));
        var health = await EscudoHealth(f);
        Assert.Equal(503, health.Status);
        Assert.Equal("degraded", health.Body.GetProperty("status").GetString());
        Assert.Contains("commits to the store fail", health.Body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(osError, health.Body.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.True(health.Body.GetProperty("since").GetDouble() > 0);

        var ackedDuringFault = acked.Count;
        faults.Current = StoreFault.None;
        await Until(() => acked.Count > ackedDuringFault + 500, "ingestion did not resume after the fault was gone");
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        await AssertHealthy(f);
        Assert.Empty(unexpected);

        // Nothing acknowledged is lost, nothing is stored twice, nothing unsent appears.
        var stored = (await f.SearchAsync("index=faults | fields id")).Select(r => r["id"].GetString()!).ToList();
        Assert.Empty(stored.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => g.Key).Take(5));
        Assert.Empty(acked.Keys.Except(stored).Take(5));
        Assert.Empty(stored.Where(id => !sent.ContainsKey(id)).Take(5));

        // One log line per failed commit, and the recovery is logged.
        var failedLines = logs.Lines.Count(l => l.Contains("escudo.store: commit failed", StringComparison.Ordinal));
        Assert.Equal(f.Host.Queue.FailedCommits, failedLines);
        Assert.True(failedLines >= 1);
        Assert.Contains(logs.Lines, l => l.Contains("store recovered", StringComparison.Ordinal));
        output.WriteLine($"{fault}: {acked.Count} acknowledged, {refused} requests refused with 503, {failedLines} failed commits logged");

        // With no client writing, the store finds out by itself that the fault has gone.
        faults.Current = fault;
        Assert.Equal(503, (await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"faults\",\"event\":\"refused\"}"))).Status);
        Assert.Equal(503, (await EscudoHealth(f)).Status);
        faults.Current = StoreFault.None;
        await Until(async () => (await EscudoHealth(f)).Status == 200, "health did not recover without a write");
        Assert.True(f.Host.Queue.Probes > 0);
        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"faults\",\"event\":\"after\"}"))).Status);
    }

    [Fact]
    public async Task Scheduled_runs_during_store_faults_are_retried_until_committed_none_skipped_lost_or_duplicated()
    {
        var content = SchedulerTests.FoundingContent();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2024-03-04T09:30:00Z", CultureInfo.InvariantCulture));
        var faults = new StoreFaults();
        var logs = new CapturedLogs();
        var f = await ServeFixture.StartAsync(
            o =>
            {
                o.ContentDir = content;
                o.SchedulerRetrySeconds = 0.02;
                o.SchedulerRetryMaxSeconds = 0.1;
            },
            clock,
            logs: logs,
            faults: faults);
        try
        {
            f.Host.Queue.FirstProbeDelay = TimeSpan.FromMilliseconds(20);
            var scheduler = f.Host.Scheduler!;
            foreach (var file in new[] { "regasm_sysmon.xml", "rms_sysmon.xml" })
            {
                Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/raw", File.ReadAllText(TempDir.Fixture(file))))).Status);
            }

            // 10:00 falls due on a full disk: it fails, is logged and retried, and health says so.
            faults.Current = StoreFault.DiskFull;
            clock.Advance(TimeSpan.FromHours(1));
            await Until(() => scheduler.CommitFailures >= 4, "the 10:00 run was not attempted and retried");
            var health = await EscudoHealth(f);
            Assert.Equal(503, health.Status);
            Assert.Equal(2, health.Body.GetProperty("scheduler").GetProperty("pending_retries").GetInt32());
            Assert.Equal(503, (await Get(f, "/services/collector/health")).Status);

            // 11:00 (the window holding the attack events) falls due while the folder is read-only.
            faults.Current = StoreFault.ReadOnly;
            var before = scheduler.CommitFailures;
            clock.Advance(TimeSpan.FromHours(1));
            await Until(() => scheduler.CommitFailures >= before + 4, "runs were not retried on the read-only folder");
            Assert.Equal(0, scheduler.RunsCompleted);

            // Commits that are durable but report an error: retried, and the ledger stops a second write.
            faults.Current = StoreFault.ErrorAfterCommit;
            await SchedulerTests.WaitCaughtUp(f, clock);
            Assert.Equal(5, (await f.SearchAsync("index=notable")).Count);

            faults.Current = StoreFault.None;
            clock.Advance(TimeSpan.FromHours(1));
            await SchedulerTests.WaitCaughtUp(f, clock);

            var runs = f.Host.Store.Runs(1000).Where(r => r.Status != "registered").ToList();
            Assert.All(runs, r => Assert.Equal("success", r.Status));
            Assert.Equal(6, runs.Count); // two detections x 10:00, 11:00, 12:00: each once, none skipped
            Assert.Equal(
                ["10:00", "11:00", "12:00"],
                runs.Select(r => DateTimeOffset.FromUnixTimeSeconds((long)r.Scheduled).ToString("HH:mm", CultureInfo.InvariantCulture)).Distinct().Order());
            Assert.Equal(0, scheduler.Skipped);
            Assert.True(scheduler.Retries > 0);

            var notables = await f.SearchAsync("index=notable | stats count by search_name | sort search_name");
            Assert.Equal(
                ["ESCU - Detect Regasm with Network Connection - Rule:2", "ESCU - Windows Remote Access Software RMS Registry - Rule:3"],
                notables.Select(r => r["search_name"].GetString() + ":" + r["count"].GetString()));
            Assert.Equal("1", Assert.Single(await f.SearchAsync("index=notable | stats dc(orig_scheduled) as windows"))["windows"].GetString());

            await AssertHealthy(f);
            Assert.Contains(logs.Lines, l => l.StartsWith("Error escudo.scheduler", StringComparison.Ordinal) && l.Contains("could not be recorded, will retry", StringComparison.Ordinal));

            using var stats = new HttpRequestMessage(HttpMethod.Get, "/escudo/stats");
            stats.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
            using var doc = JsonDocument.Parse((await f.SendAsync(stats)).Body);
            var s = doc.RootElement.GetProperty("scheduler");
            Assert.Equal(6, s.GetProperty("runs").GetInt64());
            Assert.Equal(6, s.GetProperty("ok").GetInt64());
            Assert.True(s.GetProperty("retried").GetInt64() > 0);
            Assert.True(s.GetProperty("commit_failures").GetInt64() >= 8);
            Assert.True(doc.RootElement.GetProperty("commits").GetProperty("failed").GetInt64() >= 8);
        }
        finally
        {
            await f.DisposeAsync();
            TempDir.Delete(content);
        }
    }

    [Fact]
    public async Task A_request_the_store_refuses_fails_alone_and_the_store_stays_healthy()
    {
        var faults = new StoreFaults { Poison = "POISON-VALUE" };
        await using var f = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false, faults: faults);
        var good = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var statuses = new List<int>();
            for (var i = 0; i < 20; i++)
            {
                var body = string.Concat(Enumerable.Range(0, 20).Select(k => $"{{\"index\":\"poison\",\"event\":\"good {w}-{i}-{k}\"}}"));
                statuses.Add((await f.SendAsync(ServeFixture.Post("/services/collector/event", body))).Status);
            }

            return statuses;
        })).ToArray();
        var poisoned = Task.Run(async () =>
        {
            var statuses = new List<int>();
            for (var i = 0; i < 20; i++)
            {
                statuses.Add((await f.SendAsync(ServeFixture.Post("/services/collector/event", $"{{\"index\":\"poison\",\"event\":\"fine {i}\"}}{{\"index\":\"poison\",\"event\":\"POISON-VALUE {i}\"}}"))).Status);
            }

            return statuses;
        });

        Assert.All((await Task.WhenAll(good)).SelectMany(x => x), s => Assert.Equal(200, s));
        Assert.All(await poisoned, s => Assert.Equal(503, s));
        Assert.Equal("2400", Assert.Single(await f.SearchAsync("index=poison | stats count"))["count"].GetString());
        await AssertHealthy(f);
    }

    [Fact]
    public async Task A_scheduled_run_whose_results_the_store_refuses_is_recorded_as_an_error_not_retried_forever()
    {
        var content = SchedulerTests.FoundingContent();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2024-03-04T09:30:00Z", CultureInfo.InvariantCulture));
        var faults = new StoreFaults();
        var logs = new CapturedLogs();
        var f = await ServeFixture.StartAsync(o => { o.ContentDir = content; o.SchedulerRetrySeconds = 0.02; }, clock, logs: logs, faults: faults);
        try
        {
            foreach (var file in new[] { "regasm_sysmon.xml", "rms_sysmon.xml" })
            {
                Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/raw", File.ReadAllText(TempDir.Fixture(file))))).Status);
            }

            faults.Poison = "Detect Regasm with Network Connection"; // in the _raw of that detection's notables and risk events
            clock.Advance(TimeSpan.FromHours(2)); // 10:00 missed (skipped), 11:00 runs over the attack events
            await SchedulerTests.WaitCaughtUp(f, clock);

            var runs = f.Host.Store.Runs(100).Where(r => r.Status is "success" or "error").ToList();
            var regasm = Assert.Single(runs, r => r.Detection == "Detect Regasm with Network Connection");
            Assert.Equal("error", regasm.Status);
            Assert.Contains("results could not be stored", regasm.Error, StringComparison.Ordinal);
            Assert.Equal("success", Assert.Single(runs, r => r.Detection != regasm.Detection).Status);
            Assert.Equal(3, (await f.SearchAsync("index=notable")).Count);
            Assert.Contains(logs.Lines, l => l.Contains("recorded as an error: results could not be stored", StringComparison.Ordinal));
            await AssertHealthy(f);
        }
        finally
        {
            await f.DisposeAsync();
            TempDir.Delete(content);
        }
    }

    [Fact]
    public void Numbers_json_cannot_hold_are_stored_as_their_text_instead_of_failing_the_commit()
    {
        var row = new Escudo.Core.Events.Row();
        row.Set("nan", Escudo.Core.Values.Value.FromNumber(double.NaN));
        row.Set("inf", Escudo.Core.Values.Value.FromNumber(double.PositiveInfinity));
        row.Set("one", Escudo.Core.Values.Value.FromNumber(1));
        var back = RowCodec.Decode(RowCodec.Encode(row), null);
        Assert.Equal(row.Get("nan").ToDisplayString(), back.Get("nan").ToDisplayString());
        Assert.Equal(row.Get("inf").ToDisplayString(), back.Get("inf").ToDisplayString());
        Assert.True(back.Get("one").TryGetNumber(out var one) && one == 1);
    }

    private static async Task AssertHealthy(ServeFixture f)
    {
        Assert.Equal((200, "{\"text\":\"HEC is healthy\",\"code\":17}"), await Get(f, "/services/collector/health"));
        var h = await EscudoHealth(f);
        Assert.Equal(200, h.Status);
        Assert.Equal("ok", h.Body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, h.Body.GetProperty("reason").ValueKind);
    }

    private static async Task<(int Status, JsonElement Body)> EscudoHealth(ServeFixture f)
    {
        var (s, b) = await Get(f, "/escudo/health");
        using var doc = JsonDocument.Parse(b);
        return (s, doc.RootElement.Clone());
    }

    private static async Task<(int Status, string Body)> Get(ServeFixture f, string path)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, path);
        return await f.SendAsync(req);
    }

    private static Task Until(Func<bool> condition, string what) => Until(() => Task.FromResult(condition()), what);

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120); // a liveness bound for loaded machines, not a timing check
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(10);
        }
    }
}
