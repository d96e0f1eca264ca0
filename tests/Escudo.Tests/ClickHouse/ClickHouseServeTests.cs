using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Tests.Server;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// <c>escudo serve --store clickhouse://...</c> end to end on a private two-shard cluster (its own,
/// because it kills a shard): HEC in, search out; with a shard down, ingestion answers HEC's
/// 503 "Server is busy" (code 9) and keeps nothing, and a search is an error naming the shard.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseServeTests
{
    [ClickHouseFact]
    public async Task IngestAndSearchThroughTheClusterAndRefuseWhileAShardIsDown()
    {
        var (dir, location) = ClickHouseCluster.Start();
        try
        {
            await using var f = await ServeFixture.StartAsync(o =>
            {
                o.Store = (location with { Database = "escudo_serve" }).ToString();
                o.SchedulerEnabled = false;
            });
            var (status, body) = await f.SendAsync(ServeFixture.Post("/services/collector/event", Batch("first", 40)));
            Assert.True(status == 200, body);
            Assert.Contains("\"code\":0", body, StringComparison.Ordinal);

            var all = await f.SearchAsync("index=main | stats count by host | stats count as hosts, sum(count) as events");
            Assert.Equal("40", all.Single()["hosts"].GetString());
            Assert.Equal("40", all.Single()["events"].GetString());
            var one = await f.SearchAsync("index=main host=H7 first");
            Assert.Equal("h7", one.Single()["host"].GetString());
            var shard1 = location.Hosts[0];
            var before = LocalCount(shard1);
            Assert.True(before is > 0 and < 40, $"shard 1 holds {before} of 40 events: the hosts should spread over both shards");

            ClickHouseCluster.KillShard(dir, 2);

            (status, body) = await f.SendAsync(ServeFixture.Post("/services/collector/event", Batch("second", 40)));
            Assert.Equal(503, status);
            Assert.Contains("\"code\":9", body, StringComparison.Ordinal);
            Assert.Contains("Server is busy", body, StringComparison.Ordinal);

            using (var req = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs/export") { Content = new FormUrlEncodedContent([new("search", "index=main | stats count"), new("output_mode", "json")]) })
            {
                req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServeFixture.Token);
                using var resp = await f.Client.SendAsync(req);
                var text = await resp.Content.ReadAsStringAsync();
                Assert.Equal(503, (int)resp.StatusCode);
                Assert.Contains("shard 2 (127.0.0.1:", text, StringComparison.Ordinal);
            }

            using (var health = await f.Client.GetAsync("/escudo/health"))
            {
                Assert.Equal(503, (int)health.StatusCode);
            }

            // Nothing of the refused batch stays on the shard that was up: the client's resend will be its only copy.
            var after = LocalCount(shard1, "second");
            for (var i = 0; i < 100 && after != 0; i++)
            {
                await Task.Delay(200); // the removal is an asynchronous mutation
                after = LocalCount(shard1, "second");
            }

            Assert.Equal(0, after);
            Assert.Equal(before, LocalCount(shard1));
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

    private static long LocalCount(string host, string? word = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://" + host + "/") };
        var where = word is null ? string.Empty : $" WHERE position(_raw, '{word}') > 0";
        var text = http.PostAsync("/?database=escudo_serve", new StringContent("SELECT count() FROM events" + where)).Result.Content.ReadAsStringAsync().Result.Trim();
        return long.Parse(text, CultureInfo.InvariantCulture);
    }
}
