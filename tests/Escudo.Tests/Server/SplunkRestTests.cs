using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Escudo.Server;
using Microsoft.Extensions.Time.Testing;

namespace Escudo.Tests.Server;

/// <summary>
/// Splunk's REST search API as Splunk's SDKs call it: login, search jobs and their output modes,
/// the namespaced and v2 aliases, server info, indexes, saved searches. Shapes follow Splunk's REST
/// API reference (Search endpoint descriptions: search/jobs, search/jobs/{search_id}/results,
/// auth/login) and what splunk-sdk 2.0.2 parses (tests/sdk/node_modules/splunk-sdk/lib/service.js).
/// </summary>
public sealed class SplunkRestTests : IAsyncLifetime
{
    private const string User = "analyst";
    private const string Password = "s3cret pass";

    // Two results, a multivalue and a value that needs CSV quoting: every output mode's edge cases.
    private const string TwoRows = "| makeresults count=2 | streamstats count as n | eval a=if(n=1, \"x,y\", \"say \\\"hi\\\"\"), m=split(\"p;q\", \";\") | table n a m";

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2025-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture));
    private ServeFixture _f = null!;

    public async Task InitializeAsync() => _f = await ServeFixture.StartAsync(
        o =>
        {
            o.Users.Add(new UserConfig { Username = User, Password = Password });
            o.MaxJobsPerUser = 3;
            o.JobTtlSeconds = 600;
        },
        _clock);

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Login_answers_a_session_key_in_xml_by_default_and_in_json_when_asked()
    {
        var (status, body) = await Form("/services/auth/login", null, ("username", User), ("password", Password));
        Assert.Equal(200, status);
        var key = XDocument.Parse(body).Root!.Element("sessionKey")!.Value;
        Assert.Matches("^[0-9a-f]{64}$", key);

        (status, body) = await Form("/services/auth/login?output_mode=json", null, ("username", User), ("password", Password));
        Assert.Equal(200, status);
        using var doc = JsonDocument.Parse(body);
        Assert.NotEqual(key, doc.RootElement.GetProperty("sessionKey").GetString());
    }

    [Theory]
    [InlineData(User, "wrong")]
    [InlineData("nobody", Password)]
    [InlineData(User, "")]
    public async Task Login_with_bad_credentials_is_401_and_no_key(string user, string password)
    {
        var (status, body) = await Form("/services/auth/login?output_mode=json", null, ("username", user), ("password", password));
        Assert.Equal(401, status);
        Assert.Equal("{\"messages\":[{\"type\":\"WARN\",\"text\":\"Login failed\"}]}", body);
    }

    [Fact]
    public async Task A_session_key_and_basic_auth_both_search_but_a_session_key_does_not_send_events()
    {
        var key = await Login();
        var (status, body) = await Form("/services/search/jobs?output_mode=json", ("Splunk", key), ("search", "| makeresults"), ("exec_mode", "oneshot"));
        Assert.Equal(200, status);
        Assert.Contains("\"results\":[{", body, StringComparison.Ordinal);

        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));
        (status, _) = await Form("/services/search/jobs?output_mode=json", ("Basic", basic), ("search", "| makeresults"), ("exec_mode", "oneshot"));
        Assert.Equal(200, status);

        var badBasic = Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":nope"));
        (status, _) = await Form("/services/search/jobs?output_mode=json", ("Basic", badBasic), ("search", "| makeresults"), ("exec_mode", "oneshot"));
        Assert.Equal(403, status);
        (status, _) = await Form("/services/search/jobs?output_mode=json", ("Basic", "%%not-base64"), ("search", "| makeresults"), ("exec_mode", "oneshot"));
        Assert.Equal(403, status);

        // HEC takes tokens only, as Splunk's does.
        var (hecStatus, hecBody) = await _f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"event\":\"x\"}", key));
        Assert.Equal((403, "{\"text\":\"Invalid token\",\"code\":4}"), (hecStatus, hecBody));
    }

    [Fact]
    public async Task A_normal_job_reports_its_state_then_pages_its_results()
    {
        var (status, body) = await Form("/services/search/jobs", Token, ("search", TwoRows));
        Assert.Equal(201, status);
        var sid = XDocument.Parse(body).Root!.Element("sid")!.Value;

        var content = await WaitDone(sid);
        Assert.Equal("DONE", content.GetProperty("dispatchState").GetString());
        Assert.Equal(1.0, content.GetProperty("doneProgress").GetDouble());
        Assert.True(content.GetProperty("isDone").GetBoolean());
        Assert.False(content.GetProperty("isFailed").GetBoolean());
        Assert.Equal(2, content.GetProperty("resultCount").GetInt32());
        Assert.Equal(2, content.GetProperty("eventCount").GetInt32());
        Assert.Equal(sid, content.GetProperty("sid").GetString());

        (status, body) = await Get($"/services/search/jobs/{sid}/results?output_mode=json");
        Assert.Equal(200, status);
        Assert.Equal(
            "{\"preview\":false,\"init_offset\":0,\"messages\":[],\"fields\":[{\"name\":\"n\"},{\"name\":\"a\"},{\"name\":\"m\"}],"
            + "\"results\":[{\"n\":\"1\",\"a\":\"x,y\",\"m\":[\"p\",\"q\"]},{\"n\":\"2\",\"a\":\"say \\\"hi\\\"\",\"m\":[\"p\",\"q\"]}],\"highlighted\":{}}",
            body);

        (_, body) = await Get($"/services/search/jobs/{sid}/results?output_mode=json_rows&offset=1&count=1");
        Assert.Equal("{\"preview\":false,\"init_offset\":1,\"messages\":[],\"fields\":[\"n\",\"a\",\"m\"],\"rows\":[[\"2\",\"say \\\"hi\\\"\",[\"p\",\"q\"]]]}", body);

        (_, body) = await Get($"/services/search/jobs/{sid}/results?output_mode=json_cols");
        Assert.Equal("{\"preview\":false,\"init_offset\":0,\"messages\":[],\"fields\":[\"n\",\"a\",\"m\"],\"columns\":[[\"1\",\"2\"],[\"x,y\",\"say \\\"hi\\\"\"],[[\"p\",\"q\"],[\"p\",\"q\"]]]}", body);

        // CSV: a multivalue is its values on separate lines within one quoted cell.
        (_, body) = await Get($"/services/search/jobs/{sid}/results?output_mode=csv");
        Assert.Equal("n,a,m\n1,\"x,y\",\"p\nq\"\n2,\"say \"\"hi\"\"\",\"p\nq\"\n", body);

        (_, body) = await Get($"/services/search/jobs/{sid}/results?output_mode=xml");
        var results = XDocument.Parse(body).Root!;
        Assert.Equal("results", results.Name.LocalName);
        Assert.Equal(["n", "a", "m"], results.Element("meta")!.Element("fieldOrder")!.Elements("field").Select(e => e.Value));
        var second = results.Elements("result").Single(r => r.Attribute("offset")!.Value == "1");
        Assert.Equal(["p", "q"], second.Elements("field").Single(f => f.Attribute("k")!.Value == "m").Elements("value").Select(v => v.Element("text")!.Value));

        // count=0 is "all"; events page the same rows.
        (_, body) = await Get($"/services/search/jobs/{sid}/events?output_mode=json_rows&count=0");
        Assert.Equal(2, JsonDocument.Parse(body).RootElement.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task Blocking_and_oneshot_answer_when_the_search_is_done()
    {
        var (status, body) = await Form("/services/search/jobs?output_mode=json", Token, ("search", TwoRows), ("exec_mode", "blocking"));
        Assert.Equal(201, status);
        var sid = JsonDocument.Parse(body).RootElement.GetProperty("sid").GetString()!;
        (_, body) = await Get($"/services/search/jobs/{sid}?output_mode=json");
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("entry")[0].GetProperty("content").GetProperty("isDone").GetBoolean());

        // oneshot: the results themselves, xml by default as in Splunk, and no job is kept.
        (status, body) = await Form("/services/search/jobs", Token, ("search", TwoRows), ("exec_mode", "oneshot"));
        Assert.Equal(200, status);
        Assert.Equal(2, XDocument.Parse(body).Root!.Elements("result").Count());
        (_, body) = await Get("/services/search/jobs?output_mode=json");
        Assert.Equal(1, JsonDocument.Parse(body).RootElement.GetProperty("entry").GetArrayLength());
    }

    [Fact]
    public async Task Bad_requests_get_clear_messages()
    {
        Assert.Equal((400, "{\"messages\":[{\"type\":\"FATAL\",\"text\":\"Missing search: the field 'search' is required.\"}]}"), await Form("/services/search/jobs?output_mode=json", Token, ("exec_mode", "normal")));
        var (status, body) = await Form("/services/search/jobs?output_mode=json", Token, ("search", "| makeresults"), ("exec_mode", "fast"));
        Assert.Equal(400, status);
        Assert.Contains("exec_mode", body, StringComparison.Ordinal);
        (status, body) = await Form("/services/search/jobs?output_mode=json", Token, ("search", "| nosuchcommand"), ("exec_mode", "oneshot"));
        Assert.Equal(400, status);
        Assert.Contains("nosuchcommand", body, StringComparison.Ordinal);
        (status, body) = await Form("/services/search/jobs?output_mode=yaml", Token, ("search", "| makeresults"), ("exec_mode", "oneshot"));
        Assert.Equal(400, status);
        Assert.Contains("output_mode 'yaml' is not supported", body, StringComparison.Ordinal);
        (status, body) = await Get("/services/search/jobs/no-such-sid?output_mode=json");
        Assert.Equal(404, status);
        Assert.Contains("Unknown sid", body, StringComparison.Ordinal);
        (status, _) = await Form("/services/search/jobs?output_mode=json", Token, ("search", "| makeresults"), ("id", "bad id/with slash"));
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task A_failed_search_job_is_failed_with_its_message()
    {
        var (_, body) = await Form("/services/search/jobs?output_mode=json", Token, ("search", "| nosuchcommand"));
        var sid = JsonDocument.Parse(body).RootElement.GetProperty("sid").GetString()!;
        var content = await WaitDone(sid);
        Assert.Equal("FAILED", content.GetProperty("dispatchState").GetString());
        Assert.True(content.GetProperty("isFailed").GetBoolean());
        Assert.Contains("nosuchcommand", content.GetProperty("messages").GetProperty("fatal")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jobs_are_bounded_per_user_kept_for_their_ttl_and_private_to_their_owner()
    {
        var sids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (s, b) = await Form("/services/search/jobs?output_mode=json", Token, ("search", "| makeresults"), ("exec_mode", "blocking"));
            Assert.Equal(201, s);
            sids.Add(JsonDocument.Parse(b).RootElement.GetProperty("sid").GetString()!);
        }

        var (status, body) = await Form("/services/search/jobs?output_mode=json", Token, ("search", "| makeresults"));
        Assert.Equal(503, status);
        Assert.Contains("maxJobsPerUser", body, StringComparison.Ordinal);

        // Another identity has its own allowance and cannot see these jobs.
        var key = await Login();
        Assert.Equal(404, (await Get($"/services/search/jobs/{sids[0]}?output_mode=json", ("Splunk", key))).Status);
        Assert.Equal(201, (await Form("/services/search/jobs?output_mode=json", ("Splunk", key), ("search", "| makeresults"))).Status);

        // Touching one job keeps it; the others expire after the TTL and free the allowance.
        _clock.Advance(TimeSpan.FromSeconds(400));
        Assert.Equal(200, (await Get($"/services/search/jobs/{sids[0]}?output_mode=json")).Status);
        _clock.Advance(TimeSpan.FromSeconds(400));
        Assert.Equal(200, (await Get($"/services/search/jobs/{sids[0]}?output_mode=json")).Status);
        Assert.Equal(404, (await Get($"/services/search/jobs/{sids[1]}?output_mode=json")).Status);
        Assert.Equal(201, (await Form("/services/search/jobs?output_mode=json", Token, ("search", "| makeresults"))).Status);
    }

    [Fact]
    public async Task Cancel_stops_and_forgets_a_long_job_and_finalize_keeps_what_it_found()
    {
        const string Long = "| makeresults count=1000000000 | eval n=1";
        var (_, body) = await Form("/services/search/jobs?output_mode=json", Token, ("search", Long));
        var sid = JsonDocument.Parse(body).RootElement.GetProperty("sid").GetString()!;
        var (status, answer) = await Form($"/services/search/jobs/{sid}/control?output_mode=json", Token, ("action", "cancel"));
        Assert.Equal((200, "{\"messages\":[{\"type\":\"INFO\",\"text\":\"Search job cancelled.\"}]}"), (status, answer));
        Assert.Equal(404, (await Get($"/services/search/jobs/{sid}?output_mode=json")).Status);

        (_, body) = await Form("/services/search/jobs?output_mode=json", Token, ("search", Long));
        sid = JsonDocument.Parse(body).RootElement.GetProperty("sid").GetString()!;
        Assert.Equal(200, (await Form($"/services/search/jobs/{sid}/control?output_mode=json", Token, ("action", "finalize"))).Status);
        var content = await WaitDone(sid);
        Assert.Equal("DONE", content.GetProperty("dispatchState").GetString());
        Assert.True(content.GetProperty("isFinalized").GetBoolean());
        Assert.True(content.GetProperty("resultCount").GetInt32() < 1_000_000_000);

        (status, _) = await Form($"/services/search/jobs/{sid}/control?output_mode=json", Token, ("action", "pause"));
        Assert.Equal(400, status);
        (status, _) = await Send(HttpMethod.Delete, $"/services/search/jobs/{sid}?output_mode=json", Token);
        Assert.Equal(200, status);
        Assert.Equal(404, (await Get($"/services/search/jobs/{sid}?output_mode=json")).Status);
    }

    [Theory]
    [InlineData("/servicesNS/admin/search/search/jobs")]
    [InlineData("/servicesNS/-/-/search/v2/jobs")]
    [InlineData("/services/search/v2/jobs")]
    public async Task Namespaced_and_v2_paths_are_the_same_jobs(string jobs)
    {
        var (status, body) = await Form(jobs + "?output_mode=json", Token, ("search", TwoRows), ("exec_mode", "blocking"));
        Assert.Equal(201, status);
        var sid = JsonDocument.Parse(body).RootElement.GetProperty("sid").GetString()!;

        // splunk-sdk reads results from the v2 path by POST.
        (status, body) = await Form($"{jobs}/{sid}/results", Token, ("output_mode", "json_rows"));
        Assert.Equal(200, status);
        Assert.Equal(2, JsonDocument.Parse(body).RootElement.GetProperty("rows").GetArrayLength());
        Assert.Equal(200, (await Get($"/services/search/jobs/{sid}?output_mode=json")).Status);
    }

    [Theory]
    [InlineData("csv", "n,a,m\n1,\"x,y\",\"p\nq\"\n2,\"say \"\"hi\"\"\",\"p\nq\"\n")]
    [InlineData("json_rows", "{\"preview\":false,\"init_offset\":0,\"messages\":[],\"fields\":[\"n\",\"a\",\"m\"],\"rows\":[[\"1\",\"x,y\",[\"p\",\"q\"]],[\"2\",\"say \\\"hi\\\"\",[\"p\",\"q\"]]]}")]
    public async Task Export_answers_csv_and_the_other_modes(string mode, string expected)
    {
        foreach (var path in new[] { "/services/search/jobs/export", "/servicesNS/nobody/search/search/jobs/export" })
        {
            var (status, body) = await Form(path, Token, ("search", TwoRows), ("output_mode", mode));
            Assert.Equal(200, status);
            Assert.Equal(expected, body);
        }
    }

    [Fact]
    public async Task Export_xml_is_splunks_results_document_and_unknown_modes_are_refused()
    {
        var (status, body) = await Form("/services/search/jobs/export", Token, ("search", TwoRows), ("output_mode", "xml"));
        Assert.Equal(200, status);
        Assert.Equal(2, XDocument.Parse(body).Root!.Elements("result").Count());
        (status, body) = await Form("/services/search/jobs/export", Token, ("search", TwoRows), ("output_mode", "raw"));
        Assert.Equal(400, status);
        Assert.Contains("output_mode 'raw' is not supported", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_info_reports_the_rest_version_splunk_sdks_choose_endpoints_by_and_indexes_count_events()
    {
        var (status, body) = await Get("/services/server/info?output_mode=json");
        Assert.Equal(200, status);
        using var info = JsonDocument.Parse(body);
        Assert.Equal("9.0.2", info.RootElement.GetProperty("generator").GetProperty("version").GetString());

        (status, body) = await Get("/services/server/info");
        Assert.Equal(200, status);
        Assert.Equal("feed", XDocument.Parse(body).Root!.Name.LocalName);

        await _f.SendAsync(ServeFixture.Post("/services/collector/event", "{\"index\":\"apps\",\"event\":\"a\"}{\"index\":\"apps\",\"event\":\"b\"}"));
        (_, body) = await Get("/servicesNS/-/-/data/indexes?output_mode=json");
        var entries = JsonDocument.Parse(body).RootElement.GetProperty("entry").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("content").GetProperty("totalEventCount").GetString());
        Assert.Equal("2", entries["apps"]);
        Assert.Equal("0", entries["main"]);
    }

    [Fact]
    public async Task Rest_endpoints_need_credentials()
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/services/search/jobs?output_mode=json");
        using var resp = await _f.Client.SendAsync(req);
        Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
        Assert.Equal(403, (await Get("/services/saved/searches?output_mode=json", ("Splunk", "not-a-token"))).Status);
    }

    private static (string Scheme, string Value) Token => ("Splunk", ServeFixture.Token);

    private async Task<string> Login()
    {
        var (_, body) = await Form("/services/auth/login?output_mode=json", null, ("username", User), ("password", Password));
        return JsonDocument.Parse(body).RootElement.GetProperty("sessionKey").GetString()!;
    }

    /// <summary>Polls the job (as the SDK's track does) until it is done, giving up after 3000 polls.</summary>
    private async Task<JsonElement> WaitDone(string sid)
    {
        for (var poll = 0; ; poll++)
        {
            Assert.True(poll < 3000, $"job {sid} did not finish");
            var (status, body) = await Get($"/services/search/jobs/{sid}?output_mode=json");
            Assert.Equal(200, status);
            var content = JsonDocument.Parse(body).RootElement.GetProperty("entry")[0].GetProperty("content").Clone();
            if (content.GetProperty("isDone").GetBoolean())
            {
                return content;
            }

            await Task.Delay(20);
        }
    }

    private Task<(int Status, string Body)> Get(string path, (string Scheme, string Value)? auth = null) => Send(HttpMethod.Get, path, auth ?? Token);

    private async Task<(int Status, string Body)> Send(HttpMethod method, string path, (string Scheme, string Value)? auth, HttpContent? content = null)
    {
        using var req = new HttpRequestMessage(method, path) { Content = content };
        if (auth is { } a)
        {
            req.Headers.Authorization = new AuthenticationHeaderValue(a.Scheme, a.Value);
        }

        return await _f.SendAsync(req);
    }

    private Task<(int Status, string Body)> Form(string path, (string Scheme, string Value)? auth, params (string Key, string Value)[] fields) =>
        Send(HttpMethod.Post, path, auth, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))));
}
