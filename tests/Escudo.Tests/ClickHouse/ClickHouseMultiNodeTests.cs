using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Escudo.Tests.Server;
using Xunit.Abstractions;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Two <c>escudo serve</c> processes (the built CLI) on loopback ports share the two-shard cluster;
/// HEC clients send with acknowledgement channels to both, resending a request to the other node
/// when a node does not answer. One node is killed with SIGKILL during ingestion, and the node that
/// holds a scheduled window is killed while it holds it; each is restarted. Then, read straight from ClickHouse: every
/// acknowledged event is stored exactly once; every window of the schedule since ingestion ended
/// has its notables exactly once, and they are the expected ones (the count of events per host);
/// no window's notables are stored twice.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseMultiNodeTests(ClickHouseCluster cluster, ITestOutputHelper output)
{
    private const string Token = "multinode-token";
    private const string DetectionId = "4f0e7a8c-0000-4000-8000-000000000019";
    private const int Writers = 4;
    private const int BatchesPerWriter = 20;
    private const int EventsPerBatch = 50;
    private const int Hosts = 5;

    [ClickHouseFact]
    public async Task AKilledNodeLosesNoAcknowledgedEventAndNoNotableAndDuplicatesNone()
    {
        var db = "escudo_m" + Guid.NewGuid().ToString("N")[..12];
        var root = TempDir.Create("ch-multinode");
        var nodes = new NodeProcess?[2];
        try
        {
            var content = WriteContent(root);
            var eventTime = Math.Floor(Now()) - 600; // inside every window (-1h to now) from the start
            nodes[0] = NodeProcess.Start(root, "a1", content, cluster.In(db).ToString());
            nodes[1] = NodeProcess.Start(root, "b1", content, cluster.In(db).ToString());

            // Ingestion, with node A killed once some events are acknowledged, and restarted.
            var acked = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => Write(w, nodes, eventTime, acked))).ToArray();
            await WaitFor(() => acked.Count >= 600 || writers.Any(t => t.IsCompleted), TimeSpan.FromMinutes(3), "600 acknowledged events");
            Kill(nodes, 0);
            var killedAtIngest = acked.Count;
            nodes[0] = NodeProcess.Start(root, "a2", content, cluster.In(db).ToString());
            await Task.WhenAll(writers);
            Assert.Equal(Writers * BatchesPerWriter * EventsPerBatch, acked.Count);
            var ingested = Now();
            output.WriteLine($"ingestion: node A killed with {killedAtIngest} events acknowledged, {acked.Count} acknowledged in all");

            // A scheduled window after ingestion that a node won (the earliest live claim is its own), not yet
            // recorded as run: kill that node there. (The node whose ticks fall first after each occurrence
            // tends to win every window; the other stands by.)
            var killedWindow = 0.0;
            var holder = string.Empty;
            await WaitFor(
                () =>
                {
                    var claims = Query($"SELECT scheduled, node, claimed, min(expires) FROM leases_all WHERE scheduled > {ingested.ToString(CultureInfo.InvariantCulture)} "
                        + "AND scheduled GLOBAL NOT IN (SELECT scheduled FROM runs_all WHERE status != 'registered') GROUP BY scheduled, node, claimed FORMAT TabSeparated", db)
                        .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t').ToArray()).ToList();
                    var won = claims.Where(c => double.Parse(c[3], CultureInfo.InvariantCulture) > double.Parse(c[2], CultureInfo.InvariantCulture))
                        .GroupBy(c => c[0])
                        .Select(g => g.OrderBy(c => double.Parse(c[2], CultureInfo.InvariantCulture)).ThenBy(c => c[1], StringComparer.Ordinal).First())
                        .FirstOrDefault(c => c[1] is "a2" or "b1");
                    killedWindow = won is null ? 0 : double.Parse(won[0], CultureInfo.InvariantCulture);
                    holder = won?[1] ?? string.Empty;
                    return won is not null;
                },
                TimeSpan.FromMinutes(2),
                "a window won by a node");
            var victim = holder == "a2" ? 0 : 1;
            Kill(nodes, victim);
            var killedAt = Now();
            nodes[victim] = NodeProcess.Start(root, victim == 0 ? "a3" : "b2", content, cluster.In(db).ToString());

            // Every window from the first after ingestion to some after the kill (the claim expires after 15 s) is run.
            var windows = new List<double>();
            for (var t = Math.Floor(ingested / 4) * 4 + 4; t <= killedAt + 24; t += 4)
            {
                windows.Add(t);
            }

            await WaitFor(() => RunWindows(db).IsSupersetOf(windows), TimeSpan.FromMinutes(3), $"the {windows.Count} windows up to 24 s after the kill");
            foreach (var n in nodes)
            {
                n?.Kill();
            }

            // Events: every acknowledged one exactly once, nothing else.
            var stored = Query("SELECT kv_value[indexOf(kv_key, 'id')] FROM events_all WHERE sourcetype = 'multinode:test' FORMAT TabSeparated", db)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
            Assert.Empty(stored.Where(kv => kv.Value > 1).Select(kv => kv.Key).Take(5));
            Assert.Empty(acked.Keys.Where(id => !stored.ContainsKey(id)).Take(5));
            Assert.Equal(acked.Count, stored.Count);

            // Notables: per window, host and count; none twice; after ingestion, exactly the counts per host.
            var expected = acked.Keys.GroupBy(id => acked[id]).ToDictionary(g => "h" + g.Key.ToString(CultureInfo.InvariantCulture), g => g.Count().ToString(CultureInfo.InvariantCulture));
            var notables = Query("SELECT kv_value[indexOf(kv_key, 'orig_scheduled')], host, kv_value[indexOf(kv_key, 'count')] FROM events_all WHERE idx = 'notable' FORMAT TabSeparated", db)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
            var twice = notables.GroupBy(n => n[0] + "/" + n[1]).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, "notables stored twice: " + string.Join(", ", twice.Take(5)));
            foreach (var t in windows)
            {
                var at = notables.Where(n => double.Parse(n[0], CultureInfo.InvariantCulture) == t).ToDictionary(n => n[1], n => n[2]);
                Assert.True(at.Count == expected.Count && expected.All(e => at.GetValueOrDefault(e.Key) == e.Value), $"window {t}: notables {string.Join(", ", at)}; expected {string.Join(", ", expected)}");
            }

            var runs = Query($"SELECT scheduled, count() FROM runs_all WHERE status = 'success' AND scheduled IN ({string.Join(", ", windows)}) GROUP BY scheduled HAVING count() > 1", db);
            output.WriteLine($"schedule: node {holder} killed holding window {killedWindow} ({killedAt - killedWindow:F1} s after it was due); {windows.Count} windows checked, "
                + $"{notables.Count} notables in all, none twice; windows run twice (written once): {(runs.Length == 0 ? "none" : runs.Replace('\n', ' '))}");
            Assert.Contains(killedWindow, windows);
        }
        finally
        {
            foreach (var n in nodes)
            {
                n?.Kill();
            }

            cluster.Drop(db);
            TempDir.Delete(root);
        }
    }

    /// <summary>Takes the node out of the writers' hands, then kills it.</summary>
    private static void Kill(NodeProcess?[] nodes, int i)
    {
        var node = nodes[i]!;
        nodes[i] = null;
        node.Kill();
    }

    /// <summary>One HEC client: batches of events with ids, each sent until a node acknowledges it, to its node or else to the other.</summary>
    private static async Task Write(int writer, NodeProcess?[] nodes, double time, ConcurrentDictionary<string, int> acked)
    {
        var channel = Guid.NewGuid().ToString();
        for (var b = 0; b < BatchesPerWriter; b++)
        {
            var body = new StringBuilder();
            var ids = new List<(string Id, int Host)>();
            for (var i = 0; i < EventsPerBatch; i++)
            {
                var id = $"w{writer}-{b}-{i}";
                var host = (b * EventsPerBatch + i + writer) % Hosts;
                ids.Add((id, host));
                body.Append(CultureInfo.InvariantCulture, $"{{\"time\":{time + i},\"host\":\"h{host}\",\"index\":\"main\",\"sourcetype\":\"multinode:test\",\"event\":{{\"id\":\"{id}\"}}}}\n");
            }

            var deadline = Stopwatch.StartNew();
            for (var attempt = 0; ; attempt++)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"writer {writer}: batch {b} not acknowledged by any node in 3 minutes");
                if (nodes[(writer + attempt) % 2] is not { } node || !await node.SendAsync(body.ToString(), channel))
                {
                    await Task.Delay(100);
                    continue;
                }

                foreach (var (id, host) in ids)
                {
                    acked[id] = host;
                }

                break;
            }
        }
    }

    private static string WriteContent(string root)
    {
        var content = Path.Combine(root, "content");
        Directory.CreateDirectory(Path.Combine(content, "detections", "endpoint"));
        File.WriteAllText(Path.Combine(content, "detections", "endpoint", "multinode.yml"), $"""
            name: Multinode Events Per Host
            id: {DetectionId}
            version: 1
            date: '2026-12-07'
            author: Escudo tests
            status: production
            type: TTP
            description: Counts the test events of each host.
            data_source: []
            search: 'index=main sourcetype="multinode:test" | stats count by host'
            how_to_implement: none
            known_false_positives: none
            references: []
            tags:
              analytic_story: []
              asset_type: Endpoint
              product: [Splunk Enterprise]
              security_domain: endpoint
            """);
        return content;
    }

    private HashSet<double> RunWindows(string db) =>
        [.. Query($"SELECT DISTINCT scheduled FROM runs_all WHERE status = 'success' AND detection_id = '{DetectionId}' FORMAT TabSeparated", db)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture))];

    private string Query(string sql, string db)
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://" + cluster.Location.Hosts[0] + "/") };
        using var r = http.PostAsync($"/?database={db}", new StringContent(sql)).GetAwaiter().GetResult();
        var text = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        Assert.True(r.IsSuccessStatusCode, $"{sql}: {text}");
        return text.Trim();
    }

    private static async Task WaitFor(Func<bool> done, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(clock.Elapsed < limit, $"waited {limit.TotalSeconds} s for {what}");
            await Task.Delay(50);
        }
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>One <c>escudo serve</c> process of the built CLI, on a loopback port it picks, with a config of its own naming the node.</summary>
    private sealed class NodeProcess
    {
        private readonly Process _process;
        private readonly HttpClient _client;

        private NodeProcess(Process process, Uri address)
        {
            _process = process;
            _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        }

        public static NodeProcess Start(string root, string name, string content, string store)
        {
            var data = Path.Combine(root, "data-" + name);
            Directory.CreateDirectory(data);
            var config = Path.Combine(root, name + ".json");
            File.WriteAllText(config, $$"""
                {"store": "{{store}}", "nodeId": "{{name}}", "cron": "*/4 * * * * *", "earliest": "-1h", "latest": "now",
                 "searchTimeoutSeconds": 10, "leaseSeconds": 15, "leaseSettleSeconds": 2, "schedulerRetrySeconds": 0.5, "schedulerRetryMaxSeconds": 2}
                """);
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "escudo.dll"));
            foreach (var a in new[] { "serve", "--data", data, "--content", content, "--config", config, "--listen", "127.0.0.1:0", "--hec-token", Token })
            {
                psi.ArgumentList.Add(a);
            }

            var p = Process.Start(psi)!;
            var line = p.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(120)) || line.Result is not { } text || !text.Contains("http://", StringComparison.Ordinal))
            {
                p.Kill();
                throw new InvalidOperationException($"escudo serve (node {name}) did not start: {p.StandardError.ReadToEnd()}");
            }

            var at = text.IndexOf("http://", StringComparison.Ordinal);
            _ = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            return new NodeProcess(p, new Uri(text[at..text.IndexOf(' ', at)]));
        }

        /// <summary>True when the node acknowledged the request (200 Success with an ackId).</summary>
        public async Task<bool> SendAsync(string body, string channel)
        {
            using var req = new HttpRequestMessage(HttpMethod.Post, "/services/collector/event") { Content = new StringContent(body) };
            req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", Token);
            req.Headers.Add("X-Splunk-Request-Channel", channel);
            try
            {
                using var resp = await _client.SendAsync(req);
                var text = await resp.Content.ReadAsStringAsync();
                return resp.IsSuccessStatusCode && text.Contains("\"ackId\"", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or ObjectDisposedException)
            {
                return false; // no answer: resent
            }
        }

        /// <summary>SIGKILL, as a crash.</summary>
        public void Kill()
        {
            try
            {
                _process.Kill();
                _process.WaitForExit(30_000);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            _client.Dispose();
        }
    }
}
