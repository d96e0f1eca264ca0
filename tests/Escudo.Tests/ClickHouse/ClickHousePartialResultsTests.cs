using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Escudo.Tests.Server;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// A shard down on a private two-shard cluster (a real server process killed), with two serve
/// nodes on it: by default a search fails naming the shard (503); with <c>partialResults</c> it is
/// answered with exactly the events of the shard that answered, and a WARN message naming the one
/// that did not, in the export's stream and in a REST search job's messages; ingestion is refused
/// with HEC's 503 either way, never acknowledged.
/// </summary>
/// <remarks>
/// The warning follows Splunk's distributed search, whose search head warns
/// <c>Unable to distribute to peer named X at uri Y because peer has status = "Down"</c>.
/// source: https://docs.splunk.com/Documentation/Splunk/9.2.1/Troubleshooting/authtimeout
/// source: https://help.splunk.com/en/splunk-enterprise/administer/distributed-search/9.0/troubleshoot-distributed-search/distributed-search-error-messages
/// </remarks>
[Collection("clickhouse")]
public sealed class ClickHousePartialResultsTests
{
    [ClickHouseFact]
    public async Task A_shard_down_fails_a_search_by_default_and_with_partialResults_answers_the_live_shards_events_with_a_warning_naming_the_other()
    {
        var (dir, location) = ClickHouseCluster.Start();
        try
        {
            var store = (location with { Database = "escudo_partial" }).ToString();
            await using var strict = await ServeFixture.StartAsync(o =>
            {
                o.Store = store;
                o.SchedulerEnabled = false;
            });
            await using var partial = await ServeFixture.StartAsync(o =>
            {
                o.Store = store;
                o.SchedulerEnabled = false;
                o.PartialResults = true;
            });
            var (status, body) = await strict.SendAsync(ServeFixture.Post("/services/collector/event", Batch("first", 40)));
            Assert.True(status == 200, body);

            // All shards up: the partial node answers everything, with no warning.
            var (code, results, messages) = await ExportAsync(partial, "index=main");
            Assert.Equal(200, code);
            Assert.Equal(40, results.Count);
            Assert.Empty(messages);

            var shard1 = location.Hosts[0];
            var shard2 = location.Hosts[1];
            var onShard1 = HostsOn(shard1);
            Assert.True(onShard1.Count is > 0 and < 40, $"shard 1 holds {onShard1.Count} of 40 events: the hosts should spread over both shards");

            ClickHouseCluster.KillShard(dir, 2);

            // Default: an error naming the shard, no rows.
            (code, results, messages) = await ExportAsync(strict, "index=main");
            Assert.Equal(503, code);
            Assert.Empty(results);
            Assert.Contains(messages, m => m.Type == "FATAL" && m.Text.Contains("shard 2", StringComparison.Ordinal));

            // partialResults: exactly shard 1's events, and a warning naming shard 2 by its address.
            (code, results, messages) = await ExportAsync(partial, "index=main");
            Assert.Equal(200, code);
            Assert.Equal(onShard1, results.Select(r => r["host"].GetString()!).Order(StringComparer.Ordinal).ToList());
            var warning = Assert.Single(messages);
            Assert.Equal("WARN", warning.Type);
            Assert.Contains($"peer named shard 2 of cluster 'escudo' at uri {shard2} because peer has status = \"Down\"", warning.Text, StringComparison.Ordinal);
            Assert.Contains("Search results might be incomplete", warning.Text, StringComparison.Ordinal);

            // A REST search job (oneshot, JSON) carries the same warning in its messages, once however many scans the search makes.
            var job = await OneshotAsync(partial, "index=main | stats count by host | stats count as hosts, sum(count) as events");
            Assert.Equal(onShard1.Count.ToString(CultureInfo.InvariantCulture), job.GetProperty("results")[0].GetProperty("events").GetString());
            var jobMessages = job.GetProperty("messages").EnumerateArray().ToList();
            Assert.Single(jobMessages, m => m.GetProperty("type").GetString() == "WARN" && m.GetProperty("text").GetString()!.Contains($"at uri {shard2}", StringComparison.Ordinal));

            // Ingestion while the shard is down is refused on both nodes: the client keeps the events and resends.
            foreach (var node in new[] { strict, partial })
            {
                (status, body) = await node.SendAsync(ServeFixture.Post("/services/collector/event", Batch("second", 40)));
                Assert.Equal(503, status);
                Assert.Contains("\"code\":9", body, StringComparison.Ordinal);
            }
        }
        finally
        {
            ClickHouseCluster.Stop(dir);
        }
    }

    private static string Batch(string word, int hosts)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < hosts; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{{\"time\":{1_700_000_000 + i},\"host\":\"h{i}\",\"sourcetype\":\"test\",\"event\":\"{word} event {i}\"}}");
        }

        return sb.ToString();
    }

    /// <summary>The export's status, its result objects and its message lines.</summary>
    private static async Task<(int Status, List<Dictionary<string, JsonElement>> Results, List<(string Type, string Text)> Messages)> ExportAsync(ServeFixture f, string search)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs/export") { Content = new FormUrlEncodedContent([new("search", search), new("output_mode", "json")]) };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServeFixture.Token);
        var (status, text) = await f.SendAsync(req);
        var results = new List<Dictionary<string, JsonElement>>();
        var messages = new List<(string, string)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("result", out var r))
            {
                results.Add(r.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
            }
            else
            {
                messages.AddRange(doc.RootElement.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("type").GetString()!, m.GetProperty("text").GetString()!)));
            }
        }

        return (status, results, messages);
    }

    private static async Task<JsonElement> OneshotAsync(ServeFixture f, string search)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs")
        {
            Content = new FormUrlEncodedContent([new("search", "search " + search), new("exec_mode", "oneshot"), new("output_mode", "json")]),
        };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServeFixture.Token);
        var (status, text) = await f.SendAsync(req);
        Assert.True(status == 200, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>The hosts of the events one shard holds in its own table, sorted.</summary>
    private static List<string> HostsOn(string shard)
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://" + shard + "/") };
        var text = http.PostAsync("/?database=escudo_partial", new StringContent("SELECT host FROM events")).Result.Content.ReadAsStringAsync().Result;
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
    }
}
