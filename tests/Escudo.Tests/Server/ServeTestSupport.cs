using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Escudo.Server;
using Escudo.Server.Storage;
using Escudo.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Escudo.Tests.Server;

/// <summary>Starts the real service on a loopback port over a temporary data folder.</summary>
internal sealed class ServeFixture : IAsyncDisposable
{
    public const string Token = "test-token";

    private ServeFixture(ServeHost host, string dataDir, HttpClient client)
    {
        Host = host;
        DataDir = dataDir;
        Client = client;
    }

    public ServeHost Host { get; private set; }

    public string DataDir { get; }

    public HttpClient Client { get; private set; }

    public static async Task<ServeFixture> StartAsync(Action<ServeOptions>? configure = null, TimeProvider? time = null, string? dataDir = null, ILoggerProvider? logs = null, StoreFaults? faults = null)
    {
        dataDir ??= TempDir.Create("serve-data");
        var options = Options(dataDir);
        configure?.Invoke(options);
        var host = await ServeHost.StartAsync(options, time, logs: logs, faults: faults);
        return new ServeFixture(host, dataDir, ClientFor(host.BaseAddress));
    }

    public static ServeOptions Options(string dataDir) => new()
    {
        DataDir = dataDir,
        Listen = "127.0.0.1:0",
        Tokens =
        [
            new TokenConfig { Token = Token },
            new TokenConfig { Token = "win-token", Index = "wineventlog", SourceType = "XmlWinEventLog", Search = false },
            new TokenConfig { Token = "ack-token", UseAck = true },
        ],
    };

    public static HttpClient ClientFor(Uri address) => new() { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };

    public static HttpRequestMessage Post(string path, string body, string? token = Token, string scheme = "Splunk")
    {
        var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            req.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        }

        return req;
    }

    public async Task<(int Status, string Body)> SendAsync(HttpRequestMessage req)
    {
        using var resp = await Client.SendAsync(req);
        return ((int)resp.StatusCode, await resp.Content.ReadAsStringAsync());
    }

    /// <summary>Runs a search through the export endpoint; the result objects.</summary>
    public Task<List<Dictionary<string, JsonElement>>> SearchAsync(string search, string? earliest = null, string? latest = null) =>
        SearchAsync(Client, search, earliest, latest);

    public static async Task<List<Dictionary<string, JsonElement>>> SearchAsync(HttpClient client, string search, string? earliest = null, string? latest = null)
    {
        var form = new List<KeyValuePair<string, string>> { new("search", search), new("output_mode", "json") };
        if (earliest is not null)
        {
            form.Add(new("earliest_time", earliest));
        }

        if (latest is not null)
        {
            form.Add(new("latest_time", latest));
        }

        using var req = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs/export") { Content = new FormUrlEncodedContent(form) };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var resp = await client.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"search failed: {(int)resp.StatusCode} {text}");
        var results = new List<Dictionary<string, JsonElement>>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            Assert.True(doc.RootElement.TryGetProperty("result", out var r), "not a result line: " + line);
            results.Add(r.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
        }

        return results;
    }

    /// <summary>Stops the service and starts it again on the same data folder.</summary>
    public async Task RestartAsync(Action<ServeOptions>? configure = null, TimeProvider? time = null)
    {
        Client.Dispose();
        await Host.DisposeAsync();
        var options = Options(DataDir);
        configure?.Invoke(options);
        Host = await ServeHost.StartAsync(options, time);
        Client = ClientFor(Host.BaseAddress);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        TempDir.Delete(DataDir);
    }
}

internal static class TempDir
{
    public static string Create(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), "escudo-" + prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Delete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    /// <summary>The repository's founding fixtures folder.</summary>
    public static string Fixture(string name) => Path.Combine(SharedData.RepoRoot, "tests", "fixtures", "founding", name);
}

/// <summary>Keeps every log line the service writes, to assert what it logged.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
