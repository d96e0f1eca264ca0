using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Escudo.Tests.Support;
using Microsoft.Playwright;

namespace Escudo.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright: the browser tests load real pages in a real browser.
/// The browser is found through ESCUDO_CHROMIUM, then /usr/bin/chromium, then PATH.
/// </summary>
public static class Chromium
{
    public const string Install = "apt-get install -y chromium";

    private static readonly Lazy<string?> Found = new(() =>
    {
        if (Environment.GetEnvironmentVariable("ESCUDO_CHROMIUM") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var dirs = new[] { "/usr/bin" }.Concat(path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var dir in dirs)
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                var candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    });

    public static string? Path => Found.Value;

    /// <summary>Starts Playwright and a headless Chromium; dispose the session to stop both.</summary>
    public static async Task<BrowserSession> StartAsync()
    {
        var executable = Path ?? throw new InvalidOperationException($"Chromium is not installed ({Install}).");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                // CI runs as root in a container, where Chromium's sandbox cannot start.
                Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            });
            return new BrowserSession(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}

/// <summary>One Playwright instance and one browser; pages come from fresh contexts (no shared cookies).</summary>
public sealed class BrowserSession(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
{
    public IBrowser Browser { get; } = browser;

    /// <summary>A page in its own context, 1280×900, with a default timeout that fails a stuck step instead of hanging.</summary>
    public async Task<IPage> NewPageAsync(string? baseUrl = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
    }
}

/// <summary>Browser-test checks shared by every page: screenshots for the README and axe.</summary>
public static class PageChecks
{
    /// <summary>The largest screenshot the tests write into docs/screenshots.</summary>
    public const int MaxScreenshotBytes = 400_000;

    /// <summary>
    /// Writes a screenshot to docs/screenshots/NAME.png in the repository (the README shows them),
    /// so the pictures are always of the pages the tests just drove.
    /// </summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var dir = System.IO.Path.Combine(RepositoryRoot(), "docs", "screenshots");
        Directory.CreateDirectory(dir);
        var file = System.IO.Path.Combine(dir, name + ".png");

        // What a reader sees on opening the page (the viewport, not the whole scrolled page): the
        // README shows these, and a full-page picture of a long table was a megabyte.
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = false });
        var size = new FileInfo(file).Length;
        Assert.True(size <= MaxScreenshotBytes, $"{file} is {size:N0} bytes; keep README pictures under {MaxScreenshotBytes:N0}");
        return file;
    }

    /// <summary>Runs axe-core on the page and fails on any serious or critical violation, naming each.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        AxeResult result = await page.RunAxe();
        var serious = result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}")
            .ToList();
        Assert.True(serious.Count == 0, "axe found serious violations on " + page.Url + ":\n" + string.Join("\n", serious));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Escudo.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Escudo.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact skipped, with the reason shown, when Chromium is missing, except under CI, where it runs and fails.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (CiEnvironment.SkipReasonForMissingTool("chromium", Chromium.Path, Chromium.Install, Environment.GetEnvironmentVariable("CI")) is { } reason)
        {
            Skip = reason;
        }
    }
}
