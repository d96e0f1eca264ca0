using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Server;

namespace Escudo.Tests.Server;

/// <summary>
/// HEC under hostile or careless senders: a bad timestamp fails only its own request, tokens
/// write only where they may (never notable/risk), malformed bytes are 400 not 500, wrong
/// methods are 405, and the field-name table stops growing at its limit without losing data.
/// </summary>
public sealed class HecHardeningTests
{
    // source: https://help.splunk.com/en/splunk-enterprise/get-data-in/collect-http-event-data/troubleshoot-http-event-collector
    // (status codes: 6 "Invalid data format" 400, 7 "Incorrect index" 400, 18 "HEC is unhealthy" 503)
    private const string IncorrectIndex0 = "{\"text\":\"Incorrect index\",\"code\":7,\"invalid-event-number\":0}";

    [Fact]
    public async Task One_sender_with_bad_timestamps_among_good_concurrent_senders_is_refused_alone()
    {
        await using var f = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false);
        string[] badTimes = ["1e300", "1e309", "-5", "-1e300", "\"1e300\"", "253402300800"];
        var good = Enumerable.Range(0, 6).Select(s => Task.Run(async () =>
        {
            var statuses = new List<int>();
            for (var i = 0; i < 25; i++)
            {
                var body = string.Concat(Enumerable.Range(0, 20).Select(k => $"{{\"index\":\"timecheck\",\"time\":1700000000,\"event\":{{\"id\":\"s{s}-{i}-{k}\"}}}}"));
                statuses.Add((await f.SendAsync(ServeFixture.Post("/services/collector/event", body))).Status);
            }

            return statuses;
        })).ToArray();
        var bad = Task.Run(async () =>
        {
            var answers = new List<(int, string)>();
            for (var i = 0; i < 25; i++)
            {
                // The bad event is the third of its request: the answer names it, and its good neighbours are refused with it.
                var t = badTimes[i % badTimes.Length];
                var body = $"{{\"index\":\"timecheck\",\"event\":\"bad-ok-0\"}}{{\"index\":\"timecheck\",\"event\":\"bad-ok-1\"}}{{\"index\":\"timecheck\",\"time\":{t},\"event\":\"bad-{i}\"}}";
                answers.Add(await f.SendAsync(ServeFixture.Post("/services/collector/event", body)));
            }

            return answers;
        });
        var goodStatuses = (await Task.WhenAll(good)).SelectMany(x => x).ToList();
        var badAnswers = await bad;

        Assert.All(goodStatuses, s => Assert.Equal(200, s));
        Assert.All(badAnswers, a => Assert.Equal((400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":2}"), a));
        var stored = await f.SearchAsync("index=timecheck | stats count");
        Assert.Equal((6 * 25 * 20).ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(stored)["count"].GetString());
        // All-time searches that render times keep working: no absurd time got in.
        Assert.Equal(6 * 25 * 20, (await f.SearchAsync("index=timecheck | convert ctime(_time) as t | table t")).Count);
    }

    [Fact]
    public async Task Raw_endpoint_refuses_an_out_of_range_time()
    {
        await using var f = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false);
        var (s, b) = await f.SendAsync(ServeFixture.Post("/services/collector/raw?index=rawtime&time=1e300", "line one\nline two"));
        Assert.Equal(400, s);
        Assert.Contains("\"code\":6", b, StringComparison.Ordinal);
        Assert.Empty(await f.SearchAsync("index=rawtime"));
    }

    [Fact]
    public async Task Tokens_write_only_to_their_indexes_and_never_to_notable_or_risk()
    {
        await using var f = await ServeFixture.StartAsync(o =>
        {
            o.SchedulerEnabled = false;
            o.Tokens.Add(new TokenConfig { Token = "win-only", Index = "wineventlog", Indexes = ["wineventlog", "sysmon"], Search = false });
        });

        // The default token: any ordinary index, but not Escudo's own.
        Assert.Equal((400, IncorrectIndex0), await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"notable\",\"event\":{\"search_name\":\"forged\"}}")));
        Assert.Equal((400, IncorrectIndex0), await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"RISK\",\"event\":{\"risk_score\":100}}")));
        Assert.Equal((400, "{\"text\":\"Incorrect index\",\"code\":7,\"invalid-event-number\":1}"), await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"fine\"}{\"event\":{\"index\":\"notable\",\"x\":\"forged in the event body\"}}")));
        Assert.Equal(400, (await f.SendAsync(ServeFixture.Post("/services/collector/raw?index=notable", "forged"))).Status);
        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"anything\",\"event\":\"ordinary\"}"))).Status);

        // A token with an allow list: its default index, a listed one, nothing else.
        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"to default\"}", "win-only"))).Status);
        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"Sysmon\",\"event\":\"listed\"}", "win-only"))).Status);
        Assert.Equal((400, IncorrectIndex0), await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"main\",\"event\":\"not listed\"}", "win-only")));
        Assert.Equal(400, (await f.SendAsync(ServeFixture.Post("/services/collector/raw?index=main", "not listed", "win-only"))).Status);

        Assert.Empty(await f.SearchAsync("index=notable OR index=risk"));
        Assert.Empty(await f.SearchAsync("forged"));
        Assert.Equal(["listed", "to default"], (await f.SearchAsync("index=wineventlog OR index=sysmon | sort _raw")).Select(r => r["_raw"].GetString()));
    }

    [Fact]
    public async Task A_config_that_lets_a_token_write_notables_does_not_start()
    {
        var data = TempDir.Create("serve-badcfg");
        try
        {
            var o = ServeFixture.Options(data);
            o.Tokens.Add(new TokenConfig { Token = "forger", Indexes = ["main", "notable"] });
            var e = await Assert.ThrowsAsync<FormatException>(() => ServeHost.StartAsync(o));
            Assert.Contains("'notable' is written only by Escudo", e.Message, StringComparison.Ordinal);

            o = ServeFixture.Options(data);
            o.Tokens.Add(new TokenConfig { Token = "lost", Indexes = ["sysmon"] });
            e = await Assert.ThrowsAsync<FormatException>(() => ServeHost.StartAsync(o));
            Assert.Contains("default index 'main' is not among its indexes", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            TempDir.Delete(data);
        }
    }

    [Fact]
    public async Task Token_indexes_are_read_from_the_config_file_format_of_the_docs()
    {
        var dir = TempDir.Create("serve-cfg");
        try
        {
            var file = Path.Combine(dir, "escudo.json");
            await File.WriteAllTextAsync(file, "{\"tokens\":[{\"token\":\"abc\",\"index\":\"wineventlog\",\"indexes\":[\"wineventlog\",\"sysmon\"]}],\"logLevel\":\"Warning\"}");
            var o = ServeOptions.FromFile(file);
            var t = Assert.Single(o.Tokens);
            Assert.Equal(["wineventlog", "sysmon"], t.Indexes!);
            Assert.True(t.MayWrite("SYSMON"));
            Assert.False(t.MayWrite("main"));
            Assert.Equal("Warning", o.LogLevel);
            Assert.Empty(o.Validate());
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public async Task Invalid_utf8_inside_a_json_event_is_400_code_6_and_stores_nothing()
    {
        await using var f = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false);
        var bytes = Encoding.UTF8.GetBytes("{\"index\":\"utf\",\"event\":\"ok\"}{\"index\":\"utf\",\"event\":\"bad \u0001\"}");
        var at = Array.IndexOf(bytes, (byte)1);
        bytes[at] = 0xFF; // a byte that never occurs in UTF-8
        using var req = new HttpRequestMessage(HttpMethod.Post, "/services/collector/event") { Content = new ByteArrayContent(bytes) };
        req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
        var (s, b) = await f.SendAsync(req);
        Assert.Equal(400, s);
        Assert.Equal("{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":1}", b);
        Assert.Empty(await f.SearchAsync("index=utf"));
    }

    [Theory]
    [InlineData("PUT", "/services/collector/event", "POST")]
    [InlineData("DELETE", "/services/collector/event", "POST")]
    [InlineData("DELETE", "/escudo/stats", "GET")]
    // DELETE is allowed there too: /services/search/jobs/{sid} deletes a search job (a job named "export" is unknown, 404).
    [InlineData("PUT", "/services/search/jobs/export", "DELETE, GET, POST")]
    public async Task A_known_path_with_another_method_is_405_with_allow(string method, string path, string allow)
    {
        await using var f = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false);
        using var req = new HttpRequestMessage(new HttpMethod(method), path);
        req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
        using var resp = await f.Client.SendAsync(req);
        Assert.Equal(405, (int)resp.StatusCode);
        Assert.Equal(allow, string.Join(", ", resp.Content.Headers.Allow));
        Assert.Contains("Method Not Allowed", await resp.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var unknown = new HttpRequestMessage(new HttpMethod(method), "/no/such/path");
        using var resp404 = await f.Client.SendAsync(unknown);
        Assert.Equal(404, (int)resp404.StatusCode);
    }

    [Fact]
    public async Task Past_the_field_name_limit_events_are_stored_whole_without_growing_the_table()
    {
        for (var i = 0; FieldTable.Count < 1000; i++)
        {
            FieldTable.Intern("hec-cap-filler-" + i); // the limit's floor is 1000 names; make sure the table holds them
        }

        var limit = FieldTable.Count; // already full: every never-seen name is past the limit
        var logs = new CapturedLogs();
        await using var f = await ServeFixture.StartAsync(o => { o.SchedulerEnabled = false; o.MaxFieldNames = limit; }, logs: logs);
        var prefix = "n" + Guid.NewGuid().ToString("N")[..12];
        var names = new List<string>();
        var body = new StringBuilder();
        for (var e = 0; e < 3; e++)
        {
            var ev = new Dictionary<string, object> { ["host"] = "capped-host" };
            var fields = new Dictionary<string, string>();
            for (var k = 0; k < 500; k++)
            {
                ev[$"{prefix}_e{e}_{k}"] = $"v{e}-{k}";
                fields[$"{prefix}_f{e}_{k}"] = $"w{e}-{k}";
            }

            names.AddRange(ev.Keys.Concat(fields.Keys).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));
            body.Append(JsonSerializer.Serialize(new Dictionary<string, object> { ["index"] = "capped", ["time"] = 1700000000 + e, ["event"] = ev, ["fields"] = fields }));
        }

        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/event", body.ToString()))).Status);
        Assert.Empty(names.Where(n => FieldTable.TryGet(n, out _)).Take(3));

        var rows = await f.SearchAsync("index=capped | sort _time | table _raw escudo_unindexed_fields");
        Assert.Equal(3, rows.Count);
        for (var e = 0; e < 3; e++)
        {
            // Nothing lost: the event's JSON is its _raw, the indexed fields are kept as name=value.
            using var raw = JsonDocument.Parse(rows[e]["_raw"].GetString()!);
            Assert.Equal($"v{e}-499", raw.RootElement.GetProperty($"{prefix}_e{e}_499").GetString());
            var kept = rows[e]["escudo_unindexed_fields"].EnumerateArray().Select(x => x.GetString()).ToList();
            Assert.Equal(500, kept.Count);
            Assert.Contains($"{prefix}_f{e}_7=w{e}-7", kept);
        }

        using var stats = new HttpRequestMessage(HttpMethod.Get, "/escudo/stats");
        stats.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
        using var doc = JsonDocument.Parse((await f.SendAsync(stats)).Body);
        Assert.Equal(3, doc.RootElement.GetProperty("ingest").GetProperty("events_with_unindexed_fields").GetInt64());
    }

    [Fact]
    public async Task Past_the_field_name_limit_windows_xml_keeps_its_known_fields_and_its_new_data_names_unindexed()
    {
        for (var i = 0; FieldTable.Count < 1000; i++)
        {
            FieldTable.Intern("hec-cap-filler-" + i);
        }

        // The service has seen Sysmon events before its table filled up (their Data names are known):
        // a name first seen after that is kept as name=value only, and what derives from it is missing.
        var line = File.ReadLines(TempDir.Fixture("regasm_sysmon.xml")).First();
        await using (var before = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false))
        {
            Assert.Equal(200, (await before.SendAsync(ServeFixture.Post("/services/collector/raw", line))).Status);
        }

        await using var f = await ServeFixture.StartAsync(o => { o.SchedulerEnabled = false; o.MaxFieldNames = FieldTable.Count; });
        var prefix = "x" + Guid.NewGuid().ToString("N")[..12];
        string WithNewData(string tag) =>
            line.Replace("</EventData>", string.Concat(Enumerable.Range(0, 300).Select(k => $"<Data Name='{prefix}_{tag}_{k}'>{tag}{k}</Data>")) + "</EventData>", StringComparison.Ordinal);

        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/raw?index=cappedxml", WithNewData("raw")))).Status);
        var envelope = JsonSerializer.Serialize(new Dictionary<string, object> { ["index"] = "cappedxml", ["event"] = WithNewData("hec"), ["fields"] = new Dictionary<string, string> { [prefix + "_field"] = "fv" } });
        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/event", envelope))).Status);

        Assert.False(FieldTable.TryGet($"{prefix}_raw_0", out _));
        Assert.False(FieldTable.TryGet($"{prefix}_hec_299", out _));
        Assert.False(FieldTable.TryGet(prefix + "_field", out _));
        // Known Windows fields still extracted (detections still see the event); the new names kept as name=value; _raw whole.
        var rows = await f.SearchAsync("index=cappedxml EventCode=3 process_name=regasm.exe | table _raw escudo_unindexed_fields");
        Assert.Equal(2, rows.Count);
        var kept = rows.SelectMany(r => r["escudo_unindexed_fields"].EnumerateArray().Select(x => x.GetString()!)).ToList();
        Assert.Equal(601, kept.Count);
        Assert.Contains($"{prefix}_raw_7=raw7", kept);
        Assert.Contains($"{prefix}_hec_299=hec299", kept);
        Assert.Contains(prefix + "_field=fv", kept);
        Assert.All(rows, r => Assert.Contains($"Name='{prefix}_", r["_raw"].GetString()!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Under_the_field_name_limit_new_names_are_fields()
    {
        await using var f = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false);
        var name = "n" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/event", $"{{\"index\":\"uncapped\",\"event\":{{\"{name}\":\"x\"}}}}"))).Status);
        Assert.True(FieldTable.TryGet(name, out _));
    }

    [Fact]
    public async Task Request_errors_are_logged_one_line_each_and_counted()
    {
        var logs = new CapturedLogs();
        await using var f = await ServeFixture.StartAsync(o => o.SchedulerEnabled = false, logs: logs);
        await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"time\":1e300,\"event\":\"x\"}"));
        await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"notable\",\"event\":\"x\"}"));
        await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"x\"}", "wrong-token"));
        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"x\"}"))).Status);

        var lines = logs.Lines.Where(l => l.Contains("escudo.http", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains(lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("answered 400", StringComparison.Ordinal) && l.Contains("outside the valid range", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("index 'notable' is not allowed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("answered 403", StringComparison.Ordinal));

        using var stats = new HttpRequestMessage(HttpMethod.Get, "/escudo/stats");
        stats.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
        using var doc = JsonDocument.Parse((await f.SendAsync(stats)).Body);
        var ingest = doc.RootElement.GetProperty("ingest");
        Assert.Equal(1, ingest.GetProperty("events").GetInt64());
        Assert.Equal(2, ingest.GetProperty("events_rejected").GetInt64());
        Assert.Equal(2, ingest.GetProperty("requests_rejected").GetInt64());
        Assert.Equal(1, ingest.GetProperty("auth_failures").GetInt64());
        Assert.Equal(3, doc.RootElement.GetProperty("http").GetProperty("request_errors").GetInt64());
        Assert.Equal("ok", doc.RootElement.GetProperty("health").GetString());
    }
}
