using System.Text.Json;
using System.Text.RegularExpressions;
using Escudo.Server.Web;

namespace Escudo.Tests.Browser;

/// <summary>The console's client libraries are the versions web/package-lock.json pins, and they work in Chromium.</summary>
public sealed partial class WebAssetsTests
{
    [Fact]
    public void Vendored_uplot_is_the_version_the_lockfile_pins()
    {
        var root = FindRoot();
        using var lockFile = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "web", "package-lock.json")));
        var pinned = lockFile.RootElement.GetProperty("packages").GetProperty("node_modules/uplot").GetProperty("version").GetString();
        var script = WebAssets.Text("vendor/uplot.iife.min.js");
        var header = UplotHeader().Match(script);
        Assert.True(header.Success, "the vendored uPlot has no version header: re-run scripts/vendor-web.sh");
        Assert.Equal(pinned, header.Groups[1].Value);
        Assert.Contains("vendor/uplot.LICENSE.txt", WebAssets.Names);
    }

    [Fact]
    public void Assets_have_content_types_and_unknown_names_are_absent()
    {
        Assert.Equal("text/css; charset=utf-8", WebAssets.ContentType("escudo.css"));
        Assert.Equal("text/javascript; charset=utf-8", WebAssets.ContentType("vendor/uplot.iife.min.js"));
        Assert.Null(WebAssets.Find("../escudo.css"));
        Assert.Null(WebAssets.Find("nope.js"));
    }

    [ChromiumFact]
    public async Task The_vendored_chart_library_draws_in_chromium_with_the_shared_styles()
    {
        await using var session = await Chromium.StartAsync();
        var page = await session.NewPageAsync();
        var html = "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>chart check</title><style>"
            + WebAssets.Text("escudo.css") + WebAssets.Text("vendor/uplot.min.css") + "</style><script>"
            + WebAssets.Text("vendor/uplot.iife.min.js") + "</script></head><body><main><h1>Chart</h1><div id='c' class='chart'></div></main><script>"
            + "new uPlot({width:600,height:200,series:[{},{label:'events',stroke:'#0b5cad'}]},[[1,2,3],[4,1,7]],document.getElementById('c'));"
            + "</script></body></html>";
        await page.SetContentAsync(html);
        Assert.Equal(1, await page.Locator("#c canvas").CountAsync());
        Assert.Equal("events", (await page.Locator("#c .u-legend .u-series:nth-child(2) .u-label").InnerTextAsync()).Trim());
        await PageChecks.AssertAccessibleAsync(page);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Escudo.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Escudo.slnx not found");
    }

    [GeneratedRegex(@"^/\*! https://github\.com/leeoniya/uPlot \(v([0-9.]+)\) \*/")]
    private static partial Regex UplotHeader();
}
