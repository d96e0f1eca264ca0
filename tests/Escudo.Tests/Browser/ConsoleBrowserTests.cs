using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Escudo.Tests.Browser;

/// <summary>
/// The web console in a real Chromium against a real service holding the founding scenarios:
/// sign-in, Detections (readiness, run now), Incident Review and a notable's detail, a status
/// change that survives a restart, Search (an error at its column, results with a histogram),
/// Risk Analysis and Data. Every page passes axe and is photographed for the README.
/// </summary>
public sealed partial class ConsoleBrowserTests(ConsoleFixture f) : IClassFixture<ConsoleFixture>
{
    private const string Regasm = "Detect Regasm with Network Connection";
    private const string Rms = "Windows Remote Access Software RMS Registry";

    /// <summary>The page a form post lands on, committed (see <see cref="ConsoleFixture.SubmitAsync"/>).</summary>
    internal static readonly PageWaitForURLOptions AfterFormPost = new() { WaitUntil = WaitUntilState.Commit };

    [ChromiumFact]
    public async Task Sign_in_refuses_a_bad_password_accepts_a_good_one_and_sign_out_ends_the_session()
    {
        var page = await f.Browser!.NewPageAsync(f.BaseUrl);
        await page.GotoAsync("/search?q=index%3D*");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.ScreenshotAsync(page, "sign-in");

        await ConsoleFixture.SignInAsync(page, ConsoleFixture.User, "wrong password", openForm: false);
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        Assert.Contains("Sign-in failed", await page.GetByRole(AriaRole.Alert).InnerTextAsync(), StringComparison.Ordinal);

        // The good password, and the page asked for in the first place.
        await page.GetByLabel("User name").FillAsync(ConsoleFixture.User);
        await page.GetByLabel("Password or search token").FillAsync(ConsoleFixture.Password);
        await ConsoleFixture.SubmitAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }));
        await page.WaitForURLAsync(new Regex("/search"), AfterFormPost);
        Assert.Contains("Signed in as", await page.Locator(".who").InnerTextAsync(), StringComparison.Ordinal);
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "escudo_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        await ConsoleFixture.SubmitAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }));
        await page.WaitForURLAsync(new Regex("/login"), AfterFormPost);
        await page.GotoAsync("/data");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);

        // A form posted without the antiforgery token is refused, whatever it carries.
        using var client = new HttpClient { BaseAddress = new Uri(f.BaseUrl) };
        using var forged = await client.PostAsync("/login", new FormUrlEncodedContent([new("username", ConsoleFixture.User), new("password", ConsoleFixture.Password)]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.DoesNotContain(forged.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("escudo_session=", StringComparison.Ordinal)));
    }

    [ChromiumFact]
    public async Task Detections_show_readiness_and_run_now_raises_the_founding_notables_in_incident_review()
    {
        var page = await f.SignedInPageAsync();
        await page.GotoAsync("/detections");
        foreach (var name in new[] { Regasm, Rms })
        {
            var row = page.Locator($"tr[data-detection='{name}']");
            Assert.StartsWith("Present", (await row.Locator("td.readiness").InnerTextAsync()).Trim(), StringComparison.Ordinal);
        }

        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.ScreenshotAsync(page, "detections");

        foreach (var name in new[] { Regasm, Rms })
        {
            await page.Locator($"tr[data-detection='{name}']").GetByRole(AriaRole.Button, new() { Name = "Run now: " + name }).ClickAsync();
            var result = await page.Locator("#run-result").InnerTextAsync();
            var notables = NotablesRaised().Match(result);
            Assert.True(notables.Success && int.Parse(notables.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, "run now raised no notable: " + result);
            Assert.Contains("2024-03-04 09:50:00Z to 2024-03-04 10:50:00Z", result, StringComparison.Ordinal);
        }

        await page.GotoAsync("/incident-review");
        var detections = await page.Locator("#notables tbody tr td:nth-child(6)").AllInnerTextsAsync();
        Assert.Contains(Regasm, detections);
        Assert.Contains(Rms, detections);
        var times = await page.Locator("#notables tbody tr td:nth-child(2) time").AllAsync();
        Assert.NotEmpty(times);
        foreach (var t in times)
        {
            // Event time (the fixture's events are at 10:00-10:01), not the run time (11:00:30).
            Assert.StartsWith("2024-03-04 10:0", await t.InnerTextAsync(), StringComparison.Ordinal);
            Assert.StartsWith("2024-03-04T10:0", await t.GetAttributeAsync("datetime"), StringComparison.Ordinal);
        }

        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.ScreenshotAsync(page, "incident-review");

        // The detail of a Regasm notable: ESCU's text, ATT&CK, provenance, and a drilldown that runs.
        await page.Locator("#notables tbody tr", new() { HasText = Regasm }).First.Locator("td:last-child a").ClickAsync();
        var detail = await page.Locator("main").InnerTextAsync();
        foreach (var expected in new[] { "How to implement", "Known false positives", "T1218.009", "Provenance", "Drilldown searches", "View the detection results for" })
        {
            Assert.Contains(expected, detail, StringComparison.Ordinal);
        }

        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.ScreenshotAsync(page, "notable");
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^View the detection results for") }).ClickAsync();
        Assert.Equal("/search", new Uri(page.Url).AbsolutePath);
        Assert.True(await page.Locator("#results tbody tr").CountAsync() >= 1, await page.Locator("main").InnerTextAsync());
    }

    [ChromiumFact]
    public async Task A_status_change_is_audited_and_survives_a_restart()
    {
        await f.EnsureNotablesAsync();
        var page = await f.SignedInPageAsync();
        await page.GotoAsync("/incident-review?status=New");
        var row = page.Locator("#notables tbody tr").First;
        var id = await row.GetAttributeAsync("data-id");
        Assert.NotNull(id);
        await row.Locator("input[type=checkbox]").CheckAsync();
        await page.GetByLabel("Status").Nth(1).SelectOptionAsync("Resolved");
        await page.Locator("#bulk input[name=owner]").FillAsync("analyst");
        await page.Locator("#bulk input[name=comment]").FillAsync("regasm reached out: <b>checked</b>");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply to selected" }).ClickAsync();
        await page.GotoAsync("/incident-review");
        Assert.Equal("Resolved", (await page.Locator($"tr[data-id='{id}'] td.status").InnerTextAsync()).Trim());

        await f.RestartAsync();
        page = await f.SignedInPageAsync();
        await page.GotoAsync("/incident-review/" + id);
        var facts = await page.Locator("dl.facts").InnerTextAsync();
        Assert.Contains("Resolved", facts, StringComparison.Ordinal);
        Assert.Contains("regasm reached out: <b>checked</b>", facts, StringComparison.Ordinal); // shown as text, not markup
        var audit = await page.Locator("#audit tbody tr").AllInnerTextsAsync();
        Assert.Contains(audit, r => r.Contains(ConsoleFixture.User, StringComparison.Ordinal) && r.Contains("status", StringComparison.Ordinal) && r.Contains("New", StringComparison.Ordinal) && r.Contains("Resolved", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Contains("owner", StringComparison.Ordinal) && r.Contains("unassigned", StringComparison.Ordinal) && r.Contains("analyst", StringComparison.Ordinal));
        await PageChecks.AssertAccessibleAsync(page);
        await page.Locator("#audit").ScrollIntoViewIfNeededAsync();
        await PageChecks.ScreenshotAsync(page, "notable-history");
    }

    [ChromiumFact]
    public async Task Search_shows_an_error_under_its_column_and_results_with_a_histogram_and_fields()
    {
        var page = await f.SignedInPageAsync();
        await page.GotoAsync("/search");
        const string broken = "index=* | nosuchcommand x";
        await page.GetByLabel("SPL").FillAsync(broken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        var error = page.Locator("pre.spl-error");
        var column = broken.IndexOf("nosuchcommand", StringComparison.Ordinal) + 1;
        Assert.Equal(column.ToString(System.Globalization.CultureInfo.InvariantCulture), await error.GetAttributeAsync("data-column"));
        var lines = (await error.InnerTextAsync()).Split('\n');
        Assert.Equal(broken, lines[0]);
        Assert.Equal(column - 1, lines[1].IndexOf('^', StringComparison.Ordinal));
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.ScreenshotAsync(page, "search-error");

        await page.GetByLabel("SPL").FillAsync("index=main EventCode=* | head 8");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        Assert.True(await page.Locator("#results tbody tr").CountAsync() > 0);
        Assert.Equal(1, await page.Locator("#histogram canvas").CountAsync());
        Assert.True(await page.Locator(".sidebar summary", new() { HasText = "EventCode" }).CountAsync() >= 1);
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.ScreenshotAsync(page, "search");
    }

    [ChromiumFact]
    public async Task Risk_analysis_draws_risk_by_object_and_lists_an_objects_detections()
    {
        await f.EnsureNotablesAsync();
        var page = await f.SignedInPageAsync();
        await page.GotoAsync("/risk");
        Assert.Equal(1, await page.Locator("#risk-chart canvas").CountAsync());
        Assert.True(await page.Locator("#risk-objects tbody tr").CountAsync() > 0);
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.ScreenshotAsync(page, "risk");
        await page.Locator("#risk-objects tbody tr").First.Locator("a").ClickAsync();
        Assert.True(await page.Locator("#contributing tbody tr").CountAsync() > 0);
        Assert.Equal(1, await page.Locator("#risk-chart canvas").CountAsync());
    }

    [ChromiumFact]
    public async Task Data_page_shows_events_per_sourcetype_and_host_store_size_and_health()
    {
        var page = await f.SignedInPageAsync();
        await page.GotoAsync("/data");
        Assert.True(await page.Locator("#by-sourcetype tbody tr").CountAsync() > 0);
        Assert.True(await page.Locator("#by-host tbody tr").CountAsync() > 0);
        var text = await page.Locator("main").InnerTextAsync();
        Assert.Contains("store size on disk", text, StringComparison.Ordinal);
        Assert.Contains("OK", await page.Locator("#health-title + p").InnerTextAsync(), StringComparison.Ordinal);
        await PageChecks.AssertAccessibleAsync(page);
        await PageChecks.ScreenshotAsync(page, "data");
    }

    [GeneratedRegex(@"(\d+) notables")]
    private static partial Regex NotablesRaised();
}
