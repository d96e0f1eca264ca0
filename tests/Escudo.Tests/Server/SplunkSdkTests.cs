using System.Diagnostics;
using Escudo.Cli.Commands;
using Escudo.Server;
using Escudo.Tests.Support;
using Xunit.Abstractions;

namespace Escudo.Tests.Server;

/// <summary>
/// Splunk's own client libraries against a live <c>escudo serve</c>: tests/sdk/run.js drives
/// splunk-sdk 2.0.2 and splunk-logging 0.11.1 (installed from the committed lockfile with
/// <c>npm ci</c> when node_modules is missing) and prints one line per SDK call.
/// </summary>
public sealed class SplunkSdkTests(ITestOutputHelper output)
{
    private const string User = "admin";
    private const string Password = "sdk-test-password";

    // Every call run.js makes; each must come back OK.
    private static readonly string[] Calls =
    [
        "service.login", "splunk-logging Logger.send", "service.oneshotSearch (json_rows)", "service.oneshotSearch (json)",
        "service.search (normal job)", "job.track until done", "job.results (json)", "job.results (json_rows, default)",
        "job.results (csv)", "job.events (offset=0, count=1)", "job.preview", "service.jobs().fetch (list)", "service.getJob",
        "job.remove (DELETE)", "service.search exec_mode=blocking", "blocking job.fetch", "service.get search/jobs/export (csv)",
        "service.get search/jobs/export (xml)", "service.savedSearches().fetch", "service.indexes().fetch", "service.search (long job)",
        "job.cancel", "job.fetch after cancel", "service.search (job to finalize)", "job.finalize", "job.track after finalize",
        "finalized job.remove", "service.oneshotSearch with a bad search",
    ];

    [Fact]
    public async Task Splunks_javascript_sdk_and_hec_logger_work_end_to_end()
    {
        var sdkDir = Path.Combine(SharedData.RepoRoot, "tests", "sdk");
        if (!Directory.Exists(Path.Combine(sdkDir, "node_modules", "splunk-sdk")))
        {
            var (ciExit, ciOut) = await Run(sdkDir, "npm", ["ci", "--no-audit", "--no-fund"], []);
            Assert.True(ciExit == 0, "npm ci in tests/sdk failed (node 20 and npm are needed):\n" + ciOut);
        }

        var content = DemoCommandHandler.ExtractContent();
        var work = TempDir.Create("sdk");
        try
        {
            // The demo's generated Sysmon events: the two founding scenarios and their surroundings.
            var events = Path.Combine(work, "events.xml");
            await File.WriteAllTextAsync(events, DemoData.XmlLines(new DateTime(2025, 1, 2, 3, 0, 0, DateTimeKind.Utc)));
            await using var f = await ServeFixture.StartAsync(o =>
            {
                o.ContentDir = content;
                o.Users.Add(new UserConfig { Username = User, Password = Password });

                // The long jobs run.js cancels stop at this many results at most, whenever the cancel arrives.
                o.JobMaxResults = 1_000_000;
            });

            var env = new Dictionary<string, string>
            {
                ["ESCUDO_PORT"] = f.Host.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ESCUDO_USER"] = User,
                ["ESCUDO_PASSWORD"] = Password,
                ["ESCUDO_HEC_TOKEN"] = ServeFixture.Token,
                ["ESCUDO_EVENTS"] = events,
            };
            var (exit, text) = await Run(sdkDir, "node", ["run.js"], env);
            output.WriteLine(text);
            foreach (var call in Calls)
            {
                Assert.Contains($"CALL {call}: OK", text, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(": FAIL", text, StringComparison.Ordinal);
            Assert.Contains("ALL SDK CALLS OK", text, StringComparison.Ordinal);
            Assert.Equal(0, exit);

            // The founding detections are listed as saved searches under the ESCU app's names.
            Assert.Contains("ESCU - Detect Regasm with Network Connection - Rule", text, StringComparison.Ordinal);
        }
        finally
        {
            TempDir.Delete(work);
            TempDir.Delete(content);
        }
    }

    /// <summary>Runs a program to its end (at most five minutes, then it is killed); its exit code and its stdout and stderr together.</summary>
    private static async Task<(int Exit, string Output)> Run(string dir, string program, string[] args, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException(program + " did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }

        return (p.ExitCode, await stdout + await stderr);
    }
}
