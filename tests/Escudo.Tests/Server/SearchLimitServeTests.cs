using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Escudo.Server;
using Escudo.Server.Http;
using Escudo.Spl.Execution;

namespace Escudo.Tests.Server;

/// <summary>
/// The limits of a search run by <c>escudo serve</c>: its time limit and the client going away
/// stop it (CPU-bound work included), its memory and regex budgets end it with a message, and no
/// search, however hostile, gets a bare 500. The per-request memory of HEC <c>/raw</c> is bounded.
/// </summary>
public sealed class SearchLimitServeTests
{
    private static HttpRequestMessage Export(string search)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs/export")
        {
            Content = new FormUrlEncodedContent([new("search", search), new("output_mode", "json")]),
        };
        req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
        return req;
    }

    private static string FatalText(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var m = doc.RootElement.GetProperty("messages")[0];
        Assert.Equal("FATAL", m.GetProperty("type").GetString());
        return m.GetProperty("text").GetString()!;
    }

    [Fact]
    public async Task A_cpu_bound_search_past_its_time_limit_answers_504_with_the_limit()
    {
        // A limit of zero trips at once: the search makes its rows itself (no store scan that
        // would notice the token), so only the checks in the operator loops can stop it.
        await using var f = await ServeFixture.StartAsync(o => o.SearchTimeoutSeconds = 0);

        using var req = Export("| makeresults count=1000000 | eval x = md5(tostring(random())) | stats dc(x)");
        var (status, body) = await f.SendAsync(req);

        Assert.Equal(504, status);
        Assert.StartsWith("Search time limit exceeded", FatalText(body));
    }

    [Fact]
    public async Task A_search_past_its_memory_budget_answers_507_naming_the_limit()
    {
        await using var f = await ServeFixture.StartAsync(o => o.SearchMaxRowsInMemory = 50);
        var lines = string.Join('\n', Enumerable.Range(0, 80).Select(i => "line " + i));
        Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/raw?index=limits", lines))).Status);

        using var req = Export("search index=limits | sort 0 _raw");
        var (status, body) = await f.SendAsync(req);

        Assert.Equal(507, status);
        var text = FatalText(body);
        Assert.StartsWith("Search limit exceeded: sort would hold more than 50 rows", text);
        Assert.Contains("searchMaxRowsInMemory", text);

        // Under the limit the same kind of search answers.
        using var ok = Export("search index=limits | head 40 | sort 0 _raw | stats count");
        var (okStatus, okBody) = await f.SendAsync(ok);
        Assert.Equal(200, okStatus);
        Assert.Contains("\"count\":\"40\"", okBody);
    }

    [Fact]
    public async Task A_backtracking_regex_past_the_search_budget_answers_507()
    {
        await using var f = await ServeFixture.StartAsync(o => o.SearchRegexBudgetSeconds = 0);

        using var req = Export("| makeresults count=5 | eval s=\"aaab\" | where match(s, \"a(?=b)\")");
        var (status, body) = await f.SendAsync(req);

        Assert.Equal(507, status);
        Assert.Contains("regex time budget", FatalText(body));
    }

    [Theory]
    [InlineData("| makeresults | eval x = strftime(1e300, \"%Y-%m-%d\")")]
    [InlineData("| makeresults | eval x = round(1.5, 2147483648)")]
    [InlineData("| makeresults | eval x = tostring(1e300, \"duration\")")]
    [InlineData("| makeresults | eval x = relative_time(now(), \"+99999999999y\")")]
    [InlineData("| makeresults | eval x = printf(\"%0999d\", 1)")]
    [InlineData("| makeresults | rex field=nothing \"(\"")]
    [InlineData("| makeresults | eval x = 1 | where x = [| makeresults | eval y = 1 | return y]")]
    public async Task Hostile_searches_get_an_answer_with_a_message_never_a_bare_500(string search)
    {
        await using var f = await ServeFixture.StartAsync();

        using var req = Export(search);
        var (status, body) = await f.SendAsync(req);

        Assert.True(status is 200 or 400 or 504 or 507, $"{status}: {body}");
        if (status != 200)
        {
            Assert.False(string.IsNullOrWhiteSpace(FatalText(body)));
        }
    }

    [Fact]
    public void Every_search_failure_maps_to_an_answer_with_its_message()
    {
        var options = new ServeOptions { SearchTimeoutSeconds = 60 };

        Assert.Equal(504, SearchEndpoints.SearchFailure(new OperationCanceledException(), options)!.Value.Status);
        Assert.Equal((507, "Search limit exceeded: too many"), SearchEndpoints.SearchFailure(new SearchLimitException("too many"), options));
        Assert.Equal(400, SearchEndpoints.SearchFailure(new ArgumentOutOfRangeException("digits"), options)!.Value.Status);
        Assert.Equal(400, SearchEndpoints.SearchFailure(new InsufficientExecutionStackException(), options)!.Value.Status);
        Assert.Equal(400, SearchEndpoints.SearchFailure(new NullReferenceException(), options)!.Value.Status);
        Assert.Null(SearchEndpoints.SearchFailure(new OutOfMemoryException(), options));
    }

    [Fact]
    public async Task A_client_that_goes_away_stops_its_search()
    {
        await using var f = await ServeFixture.StartAsync(o => o.SearchMaxRowsInMemory = 1_000_000_000);
        using var client = ServeFixture.ClientFor(f.Host.BaseAddress);
        using var gone = new CancellationTokenSource();

        // Far more work than the test waits for: only the disconnect can end it early.
        using var req = Export("| makeresults count=900000000 | eval x = md5(tostring(random())) | stats dc(x)");
        var pending = client.SendAsync(req, gone.Token);
        await WaitFor(f, s => s.GetProperty("searches").GetInt64() == 1);
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);

        // The server counts the search as stopped once it noticed the disconnect.
        await WaitFor(f, s => s.GetProperty("errors").GetInt64() == 1);
    }

    private static async Task WaitFor(ServeFixture f, Func<JsonElement, bool> condition)
    {
        // Polls the service's own counters; the bound only keeps a broken build from hanging.
        for (var i = 0; i < 1200; i++)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "/escudo/stats");
            req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
            var (_, body) = await f.SendAsync(req);
            using var doc = JsonDocument.Parse(body);
            if (condition(doc.RootElement.GetProperty("search")))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the condition on /escudo/stats never held");
    }

    [Fact]
    public async Task Raw_body_of_millions_of_short_lines_is_refused_within_the_per_request_memory_budget()
    {
        // 4 MB of requests allowed makes a 256 MB row budget; 1.2 M two-byte lines would need
        // far more as rows, so the request is refused before they are made.
        await using var f = await ServeFixture.StartAsync(o => o.MaxRequestBytes = 4 * 1024 * 1024);
        var body = new StringBuilder(2_400_000);
        for (var i = 0; i < 1_200_000; i++)
        {
            body.Append("a\n");
        }

        var (status, answer) = await f.SendAsync(ServeFixture.Post("/services/collector/raw?index=many", body.ToString()));

        Assert.Equal(413, status);
        Assert.Contains("Request too large to index", answer);
        Assert.Contains("send fewer lines per request", answer);
        Assert.Empty(await f.SearchAsync("search index=many | head 1"));

        // The same server still takes an ordinary raw batch, split line by line.
        var (okStatus, _) = await f.SendAsync(ServeFixture.Post("/services/collector/raw?index=few", "one\r\n\r\ntwo\nthree"));
        Assert.Equal(200, okStatus);
        var rows = await f.SearchAsync("search index=few | table _raw");
        Assert.Equal(["one", "three", "two"], rows.Select(r => r["_raw"].GetString()).Order());
    }
}
