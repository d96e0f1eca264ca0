using System.Net;
using System.Text.RegularExpressions;
using Escudo.Server.Web;
using Microsoft.Extensions.Time.Testing;

namespace Escudo.Tests.Server;

/// <summary>
/// The console over plain HTTP (no browser): its access rules, antiforgery, HTML encoding of
/// hostile input, asset caching, and the scheduler's Run now and Backfill entry points it calls.
/// </summary>
public sealed partial class ConsoleHttpTests
{
    private const string User = "analyst";
    private const string Password = "s3cret pass";

    private static void WithUser(Escudo.Server.ServeOptions o) => o.Users = [new Escudo.Server.UserConfig { Username = User, Password = Password }];

    [Fact]
    public async Task Pages_redirect_to_sign_in_and_forms_without_an_antiforgery_token_are_refused()
    {
        await using var f = await ServeFixture.StartAsync(WithUser);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = f.Host.BaseAddress };
        foreach (var path in new[] { "/", "/incident-review", "/search?q=index%3D*", "/risk", "/detections", "/data", "/incident-review/0123" })
        {
            using var resp = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, resp.StatusCode);
            Assert.Equal("/login?return=" + Uri.EscapeDataString(path), resp.Headers.Location!.OriginalString);
        }

        // POSTs without a signed-in session go to sign-in; with one but without the form token, 400.
        using (var edit = await client.PostAsync("/incident-review/edit", new FormUrlEncodedContent([new("id", "x"), new("status", "Closed")])))
        {
            Assert.Equal(HttpStatusCode.Redirect, edit.StatusCode);
        }

        var cookie = await SignInAsync(client);
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/detections/run") { Content = new FormUrlEncodedContent([new("id", "*"), new("action", "run")]) };
        forged.Headers.Add("Cookie", cookie);
        using var answer = await client.SendAsync(forged);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("security token", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The API's own token works on pages too, as on the REST API; a wrong one does not.
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/data");
        withToken.Headers.Authorization = new("Bearer", ServeFixture.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(withToken)).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/data");
        wrong.Headers.Authorization = new("Bearer", "nope");
        Assert.Equal(HttpStatusCode.Redirect, (await client.SendAsync(wrong)).StatusCode);
    }

    [Fact]
    public async Task Sign_in_takes_a_search_token_refuses_an_ingest_only_one_and_never_redirects_off_site()
    {
        await using var f = await ServeFixture.StartAsync(WithUser);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = f.Host.BaseAddress };
        Assert.NotNull(await TrySignInAsync(client, string.Empty, ServeFixture.Token, "/data"));
        Assert.Null(await TrySignInAsync(client, string.Empty, "win-token", "/data")); // search: false
        Assert.Null(await TrySignInAsync(client, User, "wrong", "/data"));
        foreach (var evil in new[] { "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)" })
        {
            var (_, location) = (await TrySignInAsync(client, User, Password, evil))!.Value;
            Assert.Equal("/", location);
        }
    }

    [Fact]
    public async Task Hostile_text_in_searches_and_events_is_shown_encoded_never_as_markup()
    {
        await using var f = await ServeFixture.StartAsync(WithUser);
        var (s, b) = await f.SendAsync(ServeFixture.Post("/services/collector/event", """{"event":"<script>alert(1)</script>","host":"<img src=x onerror=alert(2)>","sourcetype":"\"><svg onload=alert(3)>"}"""));
        Assert.True(s == 200, b);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = f.Host.BaseAddress };
        var cookie = await SignInAsync(client);
        foreach (var path in new[] { "/search?q=" + Uri.EscapeDataString("index=* \"</textarea><script>alert(4)</script>\" OR *"), "/data", "/incident-review?q=%3Cscript%3E&owner=%22%3E%3Cb%3E" })
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, path);
            req.Headers.Add("Cookie", cookie);
            using var resp = await client.SendAsync(req);
            var html = await resp.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            foreach (var markup in new[] { "<script>alert", "<img src=x", "<svg onload", "</textarea><script>", "\"><b>" })
            {
                Assert.DoesNotContain(markup, html, StringComparison.Ordinal);
            }

            Assert.Contains("script-src 'self'", resp.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Assets_are_served_with_their_type_an_etag_and_caching_and_unknown_names_are_404()
    {
        await using var f = await ServeFixture.StartAsync();
        using var css = await f.Client.GetAsync("/assets/escudo.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        Assert.Equal(WebAssets.Find("escudo.css"), await css.Content.ReadAsByteArrayAsync());
        Assert.Contains("max-age=3600", css.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/assets/escudo.css");
        again.Headers.TryAddWithoutValidation("If-None-Match", css.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await f.Client.SendAsync(again)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.GetAsync("/assets/vendor/uplot.iife.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await f.Client.GetAsync("/assets/../escudo.duckdb")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await f.Client.GetAsync("/assets/nope.js")).StatusCode);
    }

    [Fact]
    public async Task Backfill_runs_the_windows_over_a_past_range_once_and_run_now_keeps_the_schedule()
    {
        var content = SchedulerTests.FoundingContent();
        // Long after the events (2024-03-04 10:00-10:01): the schedule alone would never look at them.
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2024-03-09T12:00:30Z", System.Globalization.CultureInfo.InvariantCulture));
        var f = await ServeFixture.StartAsync(o => o.ContentDir = content, clock);
        try
        {
            foreach (var file in new[] { "regasm_sysmon.xml", "rms_sysmon.xml" })
            {
                var (s, b) = await f.SendAsync(ServeFixture.Post("/services/collector/raw", File.ReadAllText(TempDir.Fixture(file))));
                Assert.True(s == 200, b);
            }

            var scheduler = f.Host.Scheduler!;
            var now = await scheduler.RunNowAsync(scheduler.Detections[0]);
            Assert.Equal("success", now.Status);
            Assert.Equal(0, now.Notables); // now's window holds nothing
            var from = DateTimeOffset.Parse("2024-03-04T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();
            var to = DateTimeOffset.Parse("2024-03-04T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();
            var notables = 0;
            foreach (var d in scheduler.Detections)
            {
                var (ran, already, n) = await scheduler.BackfillAsync(d, from, to);
                // Hourly windows -70m..-10m overlapping 09:00-12:00 are scheduled at 10:00 through 13:00.
                Assert.Equal((4, 0), (ran, already));
                notables += n;
            }

            Assert.Equal(5, notables);
            Assert.Equal("5", Assert.Single(await f.SearchAsync("index=notable | stats count"))["count"].GetString());
            foreach (var d in scheduler.Detections)
            {
                Assert.Equal((0, 4, 0), await scheduler.BackfillAsync(d, from, to)); // already run: no duplicates
            }

            await Assert.ThrowsAsync<ArgumentException>(() => scheduler.BackfillAsync(scheduler.Detections[0], to, from));
            await Assert.ThrowsAsync<ArgumentException>(() => scheduler.BackfillAsync(scheduler.Detections[0], 0, to)); // more windows than allowed

            // Neither moved the schedule: the next hour runs as planned.
            clock.Advance(TimeSpan.FromHours(1));
            await SchedulerTests.WaitCaughtUp(f, clock);
            Assert.Equal(1 + 8 + 2, scheduler.RunsCompleted); // run now, the backfill's windows, the two 13:00 runs
        }
        finally
        {
            await f.DisposeAsync();
            TempDir.Delete(content);
        }
    }

    private static async Task<string> SignInAsync(HttpClient client) =>
        (await TrySignInAsync(client, User, Password, "/"))?.Cookie ?? throw new InvalidOperationException("sign-in failed");

    /// <summary>Signs in through the form (token and antiforgery cookie from the page): the session cookie and where it sends the browser, or null when refused.</summary>
    private static async Task<(string Cookie, string Location)?> TrySignInAsync(HttpClient client, string user, string password, string returnTo)
    {
        using var page = await client.GetAsync("/login");
        var html = await page.Content.ReadAsStringAsync();
        var token = FormToken().Match(html).Groups[1].Value;
        var antiforgery = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        using var post = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("username", user), new("password", password), new("return", returnTo)]),
        };
        post.Headers.Add("Cookie", antiforgery);
        using var resp = await client.SendAsync(post);
        if (resp.StatusCode != HttpStatusCode.Redirect)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
            return null;
        }

        var session = resp.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ConsoleAuth.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
        return (antiforgery + "; " + session.Split(';')[0], resp.Headers.Location!.OriginalString);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
