using Escudo.Server;
using Escudo.Tests.Server;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;

namespace Escudo.Tests.Browser;

/// <summary>
/// One service for the console's browser tests: the two founding detections (with ESCU's data
/// sources, for readiness), the founding Sysmon events sent through HEC, a configured user, and a
/// clock stopped at 2024-03-04 11:00:30 UTC, so a detection's window relative to now
/// (-70m@m to -10m@m) holds the events of 10:00 to 10:01. Chromium starts once for the class.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string User = "analyst";
    public const string Password = "correct horse battery staple";

    private readonly SemaphoreSlim _runOnce = new(1, 1);
    private bool _ran;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.Parse("2024-03-04T11:00:30Z", System.Globalization.CultureInfo.InvariantCulture));

    internal ServeFixture Serve { get; private set; } = null!;

    public string Content { get; private set; } = string.Empty;

    public BrowserSession? Browser { get; private set; }

    public string BaseUrl => Serve.Host.BaseAddress.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        Content = SchedulerTests.FoundingContent();
        Directory.CreateSymbolicLink(Path.Combine(Content, "data_sources"), Path.Combine(Escudo.Tests.Support.SharedData.Require("escu"), "data_sources"));
        Serve = await ServeFixture.StartAsync(Configure, Clock);
        foreach (var file in new[] { "regasm_sysmon.xml", "rms_sysmon.xml" })
        {
            var (status, body) = await Serve.SendAsync(ServeFixture.Post("/services/collector/raw", File.ReadAllText(TempDir.Fixture(file))));
            Assert.True(status == 200, body);
        }

        if (Chromium.Path is not null)
        {
            Browser = await Chromium.StartAsync();
        }
    }

    internal void Configure(ServeOptions o)
    {
        o.ContentDir = Content;
        o.Users = [new UserConfig { Username = User, Password = Password }];
    }

    /// <summary>Stops the service and starts it again on the same data folder (and clock).</summary>
    public Task RestartAsync() => Serve.RestartAsync(Configure, Clock);

    /// <summary>A signed-in page on the console.</summary>
    public async Task<IPage> SignedInPageAsync()
    {
        var page = await Browser!.NewPageAsync(BaseUrl);
        await SignInAsync(page, User, Password);
        Assert.Contains(new Uri(page.Url).AbsolutePath, new[] { "/", "/incident-review" });
        return page;
    }

    /// <summary>Fills and sends the sign-in form (opening /login first unless the page is already on it).</summary>
    public static async Task SignInAsync(IPage page, string user, string password, bool openForm = true)
    {
        if (openForm)
        {
            await page.GotoAsync("/login");
        }

        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password or search token").FillAsync(password);
        await SubmitAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }));
    }

    /// <summary>
    /// Clicks a button that posts a form and returns once the server has answered the post, and the
    /// page has moved on (committed) to wherever it was sent. Not a wait for load events: in CI
    /// (2 cores, loaded) Chromium twice fired network-idle but neither load nor DOMContentLoaded
    /// for the page a sign-in or sign-out post landed on, and such waits ran out at 30 s. The
    /// checks that follow read the DOM through locators, which wait for their elements.
    /// </summary>
    public static async Task SubmitAsync(IPage page, ILocator button)
    {
        var answer = await page.RunAndWaitForResponseAsync(() => button.ClickAsync(), r => r.Request.Method == "POST");
        var landing = new Uri(answer.Url);
        if (answer.Status is >= 300 and < 400 && answer.Headers.TryGetValue("location", out var location))
        {
            landing = new Uri(landing, location);
        }

        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == landing.AbsolutePath, new() { WaitUntil = WaitUntilState.Commit });
    }

    /// <summary>For tests that need notables: runs both detections once through the scheduler (the Detections test runs them from the page).</summary>
    public async Task EnsureNotablesAsync()
    {
        await _runOnce.WaitAsync();
        try
        {
            if (_ran)
            {
                return;
            }

            var notables = await Serve.SearchAsync("index=notable | stats count");
            if (notables.Count == 0 || notables[0]["count"].GetString() == "0")
            {
                foreach (var d in Serve.Host.Scheduler!.Detections)
                {
                    await Serve.Host.Scheduler.RunNowAsync(d);
                }
            }

            _ran = true;
        }
        finally
        {
            _runOnce.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        await Serve.DisposeAsync();
        TempDir.Delete(Content);
        _runOnce.Dispose();
    }
}
