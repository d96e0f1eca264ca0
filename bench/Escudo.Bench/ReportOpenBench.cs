using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace Escudo.Bench;

/// <summary>
/// <c>report-open &lt;report.html&gt; [--runs N] [--text T]</c>: opens an <c>escudo hunt --report</c> file in
/// Debian's Chromium (Playwright) and measures what an analyst waits for: from navigation to the
/// page drawn (tables, chart, heat map), and one filter of each kind applied and drawn again.
/// Prints one Markdown row per measure with the median of the runs.
/// </summary>
internal static class ReportOpenBench
{
    public static async Task<int> Run(string[] args)
    {
        var file = Path.GetFullPath(args[0]);
        var runs = Arg(args, "--runs") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 5;
        var text = Arg(args, "--text") ?? "wks-0042";
        var chromium = Environment.GetEnvironmentVariable("ESCUDO_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
        var open = new List<double>();
        var script = new List<double>();
        var detail = new List<double>();
        var filters = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var hits = 0;
        for (var i = 0; i < runs; i++)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(120_000);
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(file).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.Locator("html[data-ready='true']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
            open.Add(clock.Elapsed.TotalMilliseconds);
            script.Add(double.Parse((await page.Locator("html").GetAttributeAsync("data-ready-ms"))!, CultureInfo.InvariantCulture));
            hits = int.Parse((await page.Locator("html").GetAttributeAsync("data-hits"))!, CultureInfo.InvariantCulture);

            // Each filter as the page applies it on a change event: filter, then draw the chart, tables and heat map.
            foreach (var (name, js) in new[]
            {
                ("text", $"document.getElementById('f-text').value = {System.Text.Json.JsonSerializer.Serialize(text)}"),
                ("severity ≥ high", "document.getElementById('f-text').value = ''; document.getElementById('f-severity').value = '3'"),
                ("detection", "document.getElementById('f-severity').value = ''; const d = document.getElementById('f-detection'); d.value = d.options[1].value"),
                ("clear all", "document.getElementById('filters').reset(); document.getElementById('f-detection').value = ''"),
            })
            {
                // Timed until the page says this filter is drawn (data-filter-seq moves on): the text
                // filter first waits for the detail block when it is not read yet, and that wait counts.
                var ms = await page.EvaluateAsync<double>($$"""
                    () => new Promise(done => {
                      const html = document.documentElement, seq = html.getAttribute('data-filter-seq'), t0 = performance.now();
                      {{js}};
                      document.getElementById('filters').dispatchEvent(new Event('change'));
                      (function wait() {
                        if (html.getAttribute('data-filter-seq') !== seq) done(performance.now() - t0); else setTimeout(wait, 1);
                      })();
                    })
                    """);
                if (!filters.TryGetValue(name, out var list))
                {
                    filters[name] = list = [];
                }

                list.Add(ms);
            }

            // Read after the filters, so the text filter above is timed as a reader who types at once finds it.
            // (A report from before the detail block was split off has no such mark.)
            if (await page.Locator("html").GetAttributeAsync("data-detail-ms") is { } detailMs)
            {
                detail.Add(double.Parse(detailMs, CultureInfo.InvariantCulture));
            }
            await context.CloseAsync();
        }

        var size = new FileInfo(file).Length / 1e6;
        Console.WriteLine($"| open to drawn, {hits:N0} hits, {size:N1} MB file (wall, Playwright) | {Median(open):N0} ms |");
        Console.WriteLine($"| of which in the page (navigation start to script done) | {Median(script):N0} ms |");
        if (detail.Count > 0)
        {
            Console.WriteLine($"| detail block read (navigation start to read, after the first draw) | {Median(detail):N0} ms |");
        }

        foreach (var (name, list) in filters)
        {
            Console.WriteLine($"| filter: {name} (filter + redraw) | {Median(list):N0} ms |");
        }

        return 0;
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s[s.Count / 2];
    }
}
