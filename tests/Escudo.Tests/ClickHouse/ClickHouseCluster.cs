using System.Diagnostics;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Tests.Support;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// A two-shard ClickHouse cluster for the tests: the one named by ESCUDO_CLICKHOUSE (CI starts it
/// with scripts/clickhouse-cluster.sh), or one this fixture starts itself with the same script and
/// stops when the collection ends. Each test works in a database of its own.
/// </summary>
public sealed class ClickHouseCluster : IAsyncLifetime
{
    public const string Install = "apt-get install -y clickhouse-server";

    private string? _dir;

    public ClickHouseLocation Location { get; private set; } = null!;

    /// <summary>The cluster's store address with another database.</summary>
    public ClickHouseLocation In(string database) => Location with { Database = database };

    public static string? ServerBinary =>
        new[] { "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server", "/usr/bin/clickhouse" }.FirstOrDefault(File.Exists);

    public static string? SkipReason =>
        Environment.GetEnvironmentVariable("ESCUDO_CLICKHOUSE") is not null ? null
            : CiEnvironment.SkipReasonForMissingTool("clickhouse-server", ServerBinary, Install, Environment.GetEnvironmentVariable("CI"));

    public Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("ESCUDO_CLICKHOUSE") is { } given)
        {
            Location = ClickHouseLocation.Parse(given);
            return Task.CompletedTask;
        }

        CiEnvironment.RequireTool("clickhouse-server", ServerBinary, Install);
        (_dir, Location) = Start();
        return Task.CompletedTask;
    }

    /// <summary>Starts a private two-shard cluster (for tests that stop a shard); returns its folder and address.</summary>
    public static (string Dir, ClickHouseLocation Location) Start()
    {
        var dir = Path.Combine(Path.GetTempPath(), "escudo-clickhouse-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, output) = Script("start", dir);
        Assert.True(code == 0, $"scripts/clickhouse-cluster.sh start failed ({code}):\n{output}");
        var env = File.ReadAllLines(Path.Combine(dir, "env")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return (dir, ClickHouseLocation.Parse(env["ESCUDO_CLICKHOUSE"]));
    }

    public static void Stop(string dir)
    {
        Script("stop", dir);
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // a server still flushing its log; the temporary folder is left behind
        }
    }

    /// <summary>Stops one shard (1 or 2) of a cluster this process started, as a crash would (SIGKILL).</summary>
    public static void KillShard(string dir, int shard)
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(dir, $"shard{shard}", "pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var p = Process.GetProcessById(pid);
        p.Kill();
        p.WaitForExit(30_000);
    }

    private static (int Code, string Output) Script(string command, string dir)
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(SharedData.RepoRoot, "scripts", "clickhouse-cluster.sh"), command, dir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Drops a test's database on every shard.</summary>
    public void Drop(string database)
    {
        foreach (var host in Location.Hosts)
        {
            using var http = new HttpClient { BaseAddress = new Uri("http://" + host + "/") };
            using var _ = http.PostAsync("/", new StringContent($"DROP DATABASE IF EXISTS {database}")).GetAwaiter().GetResult();
        }
    }

    public Task DisposeAsync()
    {
        if (_dir is not null)
        {
            Stop(_dir);
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition("clickhouse")]
public sealed class ClickHouseCollection : ICollectionFixture<ClickHouseCluster>
{
}

/// <summary>A test that needs ClickHouse: skipped only outside CI when no server is installed or named.</summary>
public sealed class ClickHouseFactAttribute : FactAttribute
{
    public ClickHouseFactAttribute()
    {
        if (ClickHouseCluster.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
