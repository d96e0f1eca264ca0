using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace Escudo.Tests.Server;

/// <summary>
/// HEC as real senders use it: gzip bodies, a UTF-8 byte order mark, the endpoint aliases, the
/// channel in the query string, and indexed <c>fields</c>. Splunk's HEC accepts
/// <c>Content-Encoding: gzip</c> (Splunk docs, "Format events for HTTP Event Collector" and
/// "HTTP Event Collector REST API endpoints": services/collector, services/collector/event/1.0,
/// services/collector/raw/1.0, ?channel=).
/// </summary>
public sealed class HecCompatTests : IAsyncLifetime
{
    private ServeFixture _f = null!;

    public async Task InitializeAsync() => _f = await ServeFixture.StartAsync(o => o.MaxRequestBytes = 256 * 1024);

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Theory]
    [InlineData("/services/collector")]
    [InlineData("/services/collector/event")]
    [InlineData("/services/collector/event/1.0")]
    public async Task A_gzip_body_is_inflated_and_its_events_are_searchable(string path)
    {
        var marker = "gz" + Guid.NewGuid().ToString("N")[..8];
        var json = $"{{\"index\":\"gz\",\"event\":\"{marker} one\"}}\n{{\"index\":\"gz\",\"event\":\"{marker} two\"}}";
        var (status, body) = await _f.SendAsync(Gzipped(path, Encoding.UTF8.GetBytes(json)));
        Assert.Equal((200, "{\"text\":\"Success\",\"code\":0}"), (status, body));
        Assert.Equal(2, (await _f.SearchAsync($"index=gz {marker}")).Count);
    }

    [Fact]
    public async Task Raw_takes_gzip_a_bom_and_a_query_string_channel()
    {
        var marker = "raw" + Guid.NewGuid().ToString("N")[..8];
        byte[] text = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes($"{marker} first line\n{marker} second line\n")];
        var req = Gzipped($"/services/collector/raw/1.0?index=rawidx&sourcetype=app&channel=0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba", text, "ack-token");
        var (status, body) = await _f.SendAsync(req);
        Assert.Equal((200, "{\"text\":\"Success\",\"code\":0,\"ackId\":0}"), (status, body));
        var found = await _f.SearchAsync($"index=rawidx {marker}");
        Assert.Equal(2, found.Count);

        // The BOM is gone from the first event's text.
        Assert.Contains(found, r => r["_raw"].GetString() == $"{marker} first line");
    }

    [Fact]
    public async Task A_bom_before_json_events_is_dropped()
    {
        byte[] json = [0xEF, 0xBB, 0xBF, .. "{\"index\":\"bom\",\"event\":\"after bom\"}"u8.ToArray()];
        var req = new HttpRequestMessage(HttpMethod.Post, "/services/collector/event") { Content = new ByteArrayContent(json) };
        req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
        Assert.Equal((200, "{\"text\":\"Success\",\"code\":0}"), await _f.SendAsync(req));
        Assert.Single(await _f.SearchAsync("index=bom"));
    }

    [Fact]
    public async Task Indexed_fields_are_kept_on_the_event()
    {
        var json = "{\"index\":\"flds\",\"event\":\"with fields\",\"fields\":{\"dept\":\"ops\",\"region\":[\"eu\",\"us\"]}}";
        Assert.Equal(200, (await _f.SendAsync(ServeFixture.Post("/services/collector/event", json))).Status);
        var found = await _f.SearchAsync("index=flds dept=ops region=us");
        var row = Assert.Single(found);
        Assert.Equal("ops", row["dept"].GetString());
        Assert.Equal(2, row["region"].GetArrayLength());
    }

    [Fact]
    public async Task Damaged_gzip_is_invalid_data_and_stores_nothing()
    {
        var gz = GzipBytes(Encoding.UTF8.GetBytes("{\"index\":\"broken\",\"event\":\"never stored\"}"));
        var truncated = gz[..(gz.Length / 2)];
        Assert.Equal((400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":0}"), await _f.SendAsync(Gzipped("/services/collector/event", truncated, raw: true)));
        Assert.Equal((400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":0}"), await _f.SendAsync(Gzipped("/services/collector/event", "not gzip at all"u8.ToArray(), raw: true)));
        Assert.Empty(await _f.SearchAsync("index=broken"));
    }

    [Fact]
    public async Task A_gzip_body_that_inflates_past_the_request_limit_is_refused()
    {
        // 8 MB of one repeated event compresses to a few kilobytes: far under the 256 KB limit on the wire.
        var line = Encoding.UTF8.GetBytes("{\"index\":\"bomb\",\"event\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}\n");
        var big = new byte[8 * 1024 * 1024 / line.Length * line.Length];
        for (var i = 0; i < big.Length; i += line.Length)
        {
            line.CopyTo(big, i);
        }

        var (status, body) = await _f.SendAsync(Gzipped("/services/collector/event", big));
        Assert.Equal(413, status);
        Assert.Contains("\"code\":27", body, StringComparison.Ordinal);
        Assert.Empty(await _f.SearchAsync("index=bomb"));
    }

    [Fact]
    public async Task An_unknown_content_encoding_is_refused_with_a_message()
    {
        var req = ServeFixture.Post("/services/collector/event", "{\"event\":\"x\"}");
        req.Content!.Headers.ContentEncoding.Add("br");
        var (status, body) = await _f.SendAsync(req);
        Assert.Equal(415, status);
        Assert.Contains("Content-Encoding", body, StringComparison.Ordinal);
    }

    private static byte[] GzipBytes(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    private static HttpRequestMessage Gzipped(string path, byte[] data, string token = ServeFixture.Token, bool raw = false)
    {
        var content = new ByteArrayContent(raw ? data : GzipBytes(data));
        content.Headers.ContentEncoding.Add("gzip");
        var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", token);
        return req;
    }
}
