using System.Net.Http.Headers;
using System.Text;

namespace Escudo.Tests.Server;

/// <summary>HEC answers and codes, as Splunk's, and events found again through the search API.</summary>
public sealed class HecTests : IAsyncLifetime
{
    private ServeFixture _f = null!;

    public async Task InitializeAsync() => _f = await ServeFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Health_needs_no_token()
    {
        using var resp = await _f.Client.GetAsync("/services/collector/health");
        Assert.Equal(200, (int)resp.StatusCode);
        Assert.Equal("{\"text\":\"HEC is healthy\",\"code\":17}", await resp.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(null, "Splunk", 401, "{\"text\":\"Token is required\",\"code\":2}")]
    [InlineData("nope", "Splunk", 403, "{\"text\":\"Invalid token\",\"code\":4}")]
    [InlineData(ServeFixture.Token, "Basic", 401, "{\"text\":\"Invalid authorization\",\"code\":3}")]
    public async Task Rejects_bad_tokens(string? token, string scheme, int status, string body)
    {
        var (s, b) = await _f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"x\"}", token, scheme));
        Assert.Equal(status, s);
        Assert.Equal(body, b);
    }

    [Theory]
    [InlineData("", 400, "{\"text\":\"No data\",\"code\":5}")]
    [InlineData("  \n ", 400, "{\"text\":\"No data\",\"code\":5}")]
    [InlineData("{\"event\":", 400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":\"a\"}{\"event\":\"b\"}not json", 400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":2}")]
    [InlineData("[1,2]", 400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":0}")]
    [InlineData("{\"time\":1}", 400, "{\"text\":\"Event field is required\",\"code\":12,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":\"\"}", 400, "{\"text\":\"Event field cannot be blank\",\"code\":13,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":\"ok\"}", 200, "{\"text\":\"Success\",\"code\":0}")]
    public async Task Answers_like_splunk(string body, int status, string answer)
    {
        var (s, b) = await _f.SendAsync(ServeFixture.Post("/services/collector/event", body));
        Assert.Equal(status, s);
        Assert.Equal(answer, b);
    }

    [Fact]
    public async Task A_rejected_batch_stores_nothing()
    {
        await _f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"rejected-one\"}{\"event\""));
        Assert.Empty(await _f.SearchAsync("rejected-one"));
    }

    [Fact]
    public async Task Batched_events_are_found_by_export_with_their_fields_and_time_range()
    {
        var body = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            body.Append("{\"time\":").Append(1_700_000_000 + i).Append(",\"host\":\"h").Append(i % 3)
                .Append("\",\"sourcetype\":\"app:json\",\"index\":\"Apps\",\"event\":{\"user\":\"u").Append(i % 5)
                .Append("\",\"n\":").Append(i).Append(",\"tags\":[\"a\",\"b\"]}}").Append('\n');
        }

        var (s, b) = await _f.SendAsync(ServeFixture.Post("/services/collector/event", body.ToString()));
        Assert.Equal((200, "{\"text\":\"Success\",\"code\":0}"), (s, b));

        var all = await _f.SearchAsync("search index=apps sourcetype=app:json");
        Assert.Equal(50, all.Count);
        Assert.Equal("1700000000", all[0]["_time"].GetString());
        Assert.Equal("apps", all[0]["index"].GetString());
        Assert.Equal("u0", all[0]["user"].GetString());
        Assert.Equal(2, all[0]["tags{}"].GetArrayLength()); // Splunk names JSON array fields with {}

        var stats = await _f.SearchAsync("index=apps host=h1 | stats count by user | sort user");
        Assert.Equal(5, stats.Count);
        Assert.Equal(17, stats.Sum(r => int.Parse(r["count"].GetString()!, System.Globalization.CultureInfo.InvariantCulture)));

        var window = await _f.SearchAsync("index=apps", earliest: "1700000010", latest: "1700000020");
        Assert.Equal(10, window.Count);
    }

    [Fact]
    public async Task Raw_endpoint_takes_one_event_per_line_and_metadata_from_the_query()
    {
        var (s, b) = await _f.SendAsync(ServeFixture.Post("/services/collector/raw?sourcetype=syslog&source=fw&host=edge&index=net", "first line\r\nsecond line\n\n"));
        Assert.Equal((200, "{\"text\":\"Success\",\"code\":0}"), (s, b));
        var rows = await _f.SearchAsync("index=net sourcetype=syslog host=edge source=fw");
        Assert.Equal(["first line", "second line"], rows.Select(r => r["_raw"].GetString()));
    }

    [Fact]
    public async Task Windows_xml_gets_field_extraction_and_token_defaults()
    {
        var xml = File.ReadAllLines(TempDir.Fixture("regasm_sysmon.xml")).First(l => l.Length > 0);
        var (s, _) = await _f.SendAsync(ServeFixture.Post("/services/collector/raw", xml, "win-token"));
        Assert.Equal(200, s);
        var (s2, _) = await _f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"plain\"}", "win-token"));
        Assert.Equal(200, s2);
        var rows = await _f.SearchAsync("index=wineventlog EventCode=3");
        var row = Assert.Single(rows);
        Assert.Equal("185.199.108.133", row["DestinationIp"].GetString());
        var plain = Assert.Single(await _f.SearchAsync("index=wineventlog plain"));
        Assert.Equal("XmlWinEventLog", plain["sourcetype"].GetString());
    }

    [Fact]
    public async Task Channels_get_ack_ids_and_the_ack_endpoint_confirms_them()
    {
        var (s0, b0) = await _f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"x\"}", "ack-token"));
        Assert.Equal((400, "{\"text\":\"Data channel is missing\",\"code\":10}"), (s0, b0));

        var req = ServeFixture.Post("/services/collector/event", "{\"event\":\"acked\"}", "ack-token");
        req.Headers.Add("X-Splunk-Request-Channel", "11111111-2222-3333-4444-555555555555");
        var (s1, b1) = await _f.SendAsync(req);
        Assert.Equal((200, "{\"text\":\"Success\",\"code\":0,\"ackId\":0}"), (s1, b1));
        var (s2, b2) = await _f.SendAsync(ServeFixture.Post("/services/collector/event?channel=11111111-2222-3333-4444-555555555555", "{\"event\":\"acked2\"}", "ack-token"));
        Assert.Equal((200, "{\"text\":\"Success\",\"code\":0,\"ackId\":1}"), (s2, b2));

        var ack = ServeFixture.Post("/services/collector/ack", "{\"acks\":[0,1,7]}");
        ack.Headers.Add("X-Splunk-Request-Channel", "11111111-2222-3333-4444-555555555555");
        var (s3, b3) = await _f.SendAsync(ack);
        Assert.Equal((200, "{\"acks\":{\"0\":true,\"1\":true,\"7\":false}}"), (s3, b3));
    }

    [Fact]
    public async Task Search_needs_a_search_token_and_reports_bad_searches()
    {
        using var anon = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs/export") { Content = new FormUrlEncodedContent([new("search", "*")]) };
        Assert.Equal(401, (await _f.SendAsync(anon)).Status);

        using var hecOnly = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs/export") { Content = new FormUrlEncodedContent([new("search", "*")]) };
        hecOnly.Headers.Authorization = new AuthenticationHeaderValue("Splunk", "win-token");
        Assert.Equal(403, (await _f.SendAsync(hecOnly)).Status);

        using var bad = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs/export") { Content = new FormUrlEncodedContent([new("search", "index=main | nosuchcommand")]) };
        bad.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
        var (s, b) = await _f.SendAsync(bad);
        Assert.Equal(400, s);
        Assert.Contains("nosuchcommand", b, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_requests_get_a_clear_413()
    {
        await using var small = await ServeFixture.StartAsync(o => o.MaxRequestBytes = 1024);
        var (s, b) = await small.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"" + new string('x', 4000) + "\"}"));
        Assert.Equal(413, s);
        Assert.Contains("too large", b, StringComparison.Ordinal);
    }
}
