using System.Text.Json;
using Escudo.Tests.Support;
using Microsoft.Playwright;

namespace Escudo.Tests.Browser;

/// <summary>Runs <c>escudo hunt --report</c> once over the founding scenarios for the report's browser test.</summary>
public sealed class FoundingReport : IDisposable
{
    public FoundingReport()
    {
        Out = Path.Combine(Path.GetTempPath(), "escudo-report-" + Guid.NewGuid().ToString("N"));
        Report = Path.Combine(Out, "report.html");
        Result = EscudoProcess.Run(TimeSpan.FromMinutes(5), "hunt", "--content", SharedData.Require("escu"), "--input", Path.Combine(SharedData.RepoRoot, "tests", "fixtures", "founding"), "--out", Out, "--report", Report, "--format", "json");
    }

    public string Out { get; }

    public string Report { get; }

    public EscudoProcess.Result Result { get; }

    /// <summary>The timeline's lines: the hits the report shows, in the same event-time order.</summary>
    public List<JsonElement> Timeline() => [.. File.ReadLines(Path.Combine(Out, "timeline.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)];

    public void Dispose()
    {
        if (Directory.Exists(Out))
        {
            Directory.Delete(Out, recursive: true);
        }
    }
}

/// <summary>
/// The hunt report (issue 15) in a real Chromium, opened from its file as an analyst would open
/// it: the sections are reachable from the navigation, filters narrow the hits, the timeline
/// chart is drawn, a hit shows the file, record, time and computer of its events, and axe finds
/// no serious violation.
/// </summary>
public sealed class ReportBrowserTests(FoundingReport hunt) : IClassFixture<FoundingReport>
{
    [ChromiumFact]
    public async Task The_report_from_hunt_navigates_filters_charts_and_traces_hits_to_their_events()
    {
        Assert.True(hunt.Result.ExitCode == 0, hunt.Result.Stderr);
        var timeline = hunt.Timeline();
        Assert.True(timeline.Count >= 4, $"only {timeline.Count} hits: the test says little");

        await using var session = await Chromium.StartAsync();
        var page = await session.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(new Uri(hunt.Report).AbsoluteUri);
        await page.Locator("html[data-ready='true']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.Empty(errors);

        // Navigation: every section, and a link takes the reader to its section.
        var nav = page.GetByRole(AriaRole.Navigation, new PageGetByRoleOptions { Name = "Report sections" });
        var links = await nav.GetByRole(AriaRole.Link).AllInnerTextsAsync();
        Assert.Equal(["Overview", "Timeline", "Risk by object", "ATT&CK", "Detections", "Could not run"], links.Select(l => l.Trim()));
        await nav.GetByRole(AriaRole.Link, new LocatorGetByRoleOptions { Name = "Risk by object" }).ClickAsync();
        Assert.EndsWith("#risk", page.Url, StringComparison.Ordinal);
        Assert.True(await page.Locator("#risk-table tbody tr").CountAsync() > 0, "no risk object listed");

        // A risk object opens to its risk events (read from the detail block), each message one of risk.jsonl's.
        var riskMessages = File.ReadLines(Path.Combine(hunt.Out, "risk.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("risk_message").GetString()).ToHashSet();
        await page.Locator("#risk-table tbody tr").First.GetByRole(AriaRole.Button).ClickAsync();
        var riskEvents = page.Locator("#risk-table tr.detail-row tbody tr");
        await Assertions.Expect(riskEvents.First).ToBeVisibleAsync();
        Assert.All(await riskEvents.Locator("td:nth-child(4)").AllInnerTextsAsync(), m => Assert.Contains(m.Trim(), riskMessages));

        // All hits, in event time, as the timeline has them.
        var rows = page.Locator("#hits-table tbody tr");
        Assert.Equal(timeline.Count, await rows.CountAsync());
        Assert.Contains($"Rows 1–{timeline.Count} of {timeline.Count}", await page.Locator("#hits-table .pager-status").InnerTextAsync(), StringComparison.Ordinal);
        var shownDetections = await page.Locator("#hits-table tbody tr td:nth-child(3)").AllInnerTextsAsync();
        Assert.Equal(timeline.Select(l => l.GetProperty("detection").GetString()), shownDetections);

        // The chart is drawn: a canvas with painted pixels.
        Assert.Equal(1, await page.Locator("#chart canvas").CountAsync());
        var painted = await page.EvaluateAsync<int>("() => { const c = document.querySelector('#chart canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }");
        Assert.True(painted > 100, $"the chart canvas has {painted} painted pixels");

        // A filter narrows the rows to exactly the hits it names, here and in the detections list.
        var chosen = timeline.GroupBy(l => l.GetProperty("detection").GetString()!).OrderBy(g => g.Count()).First();
        Assert.True(chosen.Count() < timeline.Count);
        await page.Locator("#f-detection").SelectOptionAsync(new SelectOptionValue { Label = chosen.Key });
        await Assertions.Expect(rows).ToHaveCountAsync(chosen.Count());
        Assert.All(await page.Locator("#hits-table tbody tr td:nth-child(3)").AllInnerTextsAsync(), d => Assert.Equal(chosen.Key, d));
        Assert.Equal(1, await page.Locator("#detection-list details").CountAsync());
        Assert.Contains($"{chosen.Count()} of {timeline.Count} hits", await page.Locator("#filter-status").InnerTextAsync(), StringComparison.Ordinal);

        // Free text narrows too (a host only some hits have), and clearing brings every hit back.
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Clear filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(timeline.Count);
        var host = timeline.Select(l => l.TryGetProperty("host", out var h) ? h.GetString() : null).OfType<string>().GroupBy(h => h).OrderBy(g => g.Count()).First();
        await page.Locator("#f-text").FillAsync(host.Key);
        var withHost = timeline.Count(l => l.ToString().Contains(host.Key, StringComparison.OrdinalIgnoreCase));
        await Assertions.Expect(rows).ToHaveCountAsync(withHost);
        Assert.True(withHost < timeline.Count);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Clear filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(timeline.Count);

        // A hit's provenance: the file, record, event time and computer of each event behind it.
        var first = timeline[0];
        var evidence = first.GetProperty("evidence")[0];
        var locator = evidence.GetProperty("file").GetString() + ":" + evidence.GetProperty("record").GetString();
        await rows.First.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Details" }).ClickAsync();
        var detail = page.Locator("#hits-table tr.detail-row table.evidence tbody tr").First;
        Assert.Equal(locator, (await detail.Locator("td").Nth(0).InnerTextAsync()).Trim());
        var eventTime = double.Parse(evidence.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(eventTime * 1000)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), await detail.Locator("td time").GetAttributeAsync("datetime"));
        Assert.Equal(evidence.GetProperty("computer").GetString(), (await detail.Locator("td").Nth(2).InnerTextAsync()).Trim());
        Assert.Equal(DateTimeOffset.Parse(first.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), (await rows.First.Locator("td time").InnerTextAsync())[..19]);

        // The same hit under its detection, with the detection's description and search.
        var section = page.Locator($"#detection-list details[data-detection='{first.GetProperty("detection").GetString()}']");
        await section.Locator("summary").First.ClickAsync();
        // The body is built by the toggle event after the click returns: wait for it rather than read at once.
        await section.Locator("summary", new LocatorLocatorOptions { HasText = "Search, macros expanded" }).WaitForAsync();
        Assert.Contains("Search, macros expanded", await section.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await section.Locator("tbody tr").CountAsync() > 0);

        await PageChecks.AssertAccessibleAsync(page);
        await page.Locator("#overview").ScrollIntoViewIfNeededAsync();
        await PageChecks.ScreenshotAsync(page, "report");
        Assert.Empty(errors);
    }
}
