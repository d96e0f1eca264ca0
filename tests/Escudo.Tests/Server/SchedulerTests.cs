using System.Text.Json;
using Escudo.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Escudo.Tests.Server;

/// <summary>
/// The scheduler on a fake clock: a day of hourly runs of the two founding detections over
/// events sent through HEC, then a restart that must neither re-run a window nor duplicate notables.
/// </summary>
public sealed class SchedulerTests
{
    private static readonly string[] Founding =
    [
        "detections/endpoint/detect_regasm_with_network_connection.yml",
        "detections/endpoint/windows_remote_access_software_rms_registry.yml",
    ];

    internal static string FoundingContent()
    {
        var escu = SharedData.Require("escu");
        var dir = TempDir.Create("serve-content");
        Directory.CreateDirectory(Path.Combine(dir, "detections", "endpoint"));
        foreach (var f in Founding)
        {
            File.Copy(Path.Combine(escu, f), Path.Combine(dir, f));
        }

        Directory.CreateSymbolicLink(Path.Combine(dir, "macros"), Path.Combine(escu, "macros"));
        Directory.CreateSymbolicLink(Path.Combine(dir, "lookups"), Path.Combine(escu, "lookups"));
        return dir;
    }

    [Fact]
    public async Task A_day_of_hourly_runs_raises_the_founding_notables_once_and_a_restart_does_not_duplicate_them()
    {
        var content = FoundingContent();
        // The fixture events are at 2024-03-04 10:00-10:01 UTC: the 11:00 run's window (-70m@m..-10m@m) holds them.
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2024-03-04T00:00:30Z", System.Globalization.CultureInfo.InvariantCulture));
        var f = await ServeFixture.StartAsync(o => o.ContentDir = content, clock);
        try
        {
            var scheduler = f.Host.Scheduler!;
            Assert.Equal(2, scheduler.Detections.Count);
            foreach (var file in new[] { "regasm_sysmon.xml", "rms_sysmon.xml" })
            {
                var (s, b) = await f.SendAsync(ServeFixture.Post("/services/collector/raw", File.ReadAllText(TempDir.Fixture(file))));
                Assert.True(s == 200, b);
            }

            for (var hour = 0; hour < 24; hour++)
            {
                clock.Advance(TimeSpan.FromHours(1));
                await WaitCaughtUp(f, clock);
            }

            Assert.Equal(48, scheduler.RunsCompleted);
            var notables = await f.SearchAsync("index=notable | stats count by search_name | sort search_name");
            Assert.Equal(
                ["ESCU - Detect Regasm with Network Connection - Rule:2", "ESCU - Windows Remote Access Software RMS Registry - Rule:3"],
                notables.Select(r => r["search_name"].GetString() + ":" + r["count"].GetString()));
            var regasm = await f.SearchAsync("index=notable search_name=\"ESCU - Detect Regasm*\" | sort dest_ip");
            Assert.Equal(["172.32.9.14", "185.199.108.133"], regasm.Select(r => r["dest_ip"].GetString()));
            var risks = (await f.SearchAsync("index=risk")).Count;
            Assert.True(risks >= 5, $"expected risk events, got {risks}");

            using (var req = new HttpRequestMessage(HttpMethod.Get, "/escudo/notables"))
            {
                req.Headers.Authorization = new("Splunk", ServeFixture.Token);
                var (s, body) = await f.SendAsync(req);
                Assert.Equal(200, s);
                using var doc = JsonDocument.Parse(body);
                Assert.Equal(5, doc.RootElement.GetProperty("count").GetInt32());
            }

            // Down for three hours (two missed runs each), then back: skipped, not re-run, not duplicated.
            await f.Host.DisposeAsync();
            clock.Advance(TimeSpan.FromHours(3));
            await f.RestartAsync(o => o.ContentDir = content, clock);
            await WaitCaughtUp(f, clock);
            Assert.Equal(4, f.Host.Scheduler!.Skipped);
            Assert.Equal(2, f.Host.Scheduler!.RunsCompleted);
            Assert.Equal(5, (await f.SearchAsync("index=notable")).Count);
            Assert.Equal(risks, (await f.SearchAsync("index=risk")).Count);
            var ledger = await f.SearchAsync("index=notable | stats dc(orig_scheduled) as runs");
            Assert.Equal("1", Assert.Single(ledger)["runs"].GetString());
        }
        finally
        {
            await f.DisposeAsync();
            TempDir.Delete(content);
        }
    }

    [Fact]
    public async Task Catch_up_runs_missed_windows_and_suppression_drops_repeats()
    {
        var content = FoundingContent();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2024-03-04T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var f = await ServeFixture.StartAsync(
            o =>
            {
                o.ContentDir = content;
                o.CatchUp = true;
                o.Earliest = "-24h@h"; // overlapping windows: the same results every run
                o.Latest = "-0m@m";
                o.SuppressFields = ["dest", "dest_ip", "registry_path"];
            },
            clock);
        try
        {
            foreach (var file in new[] { "regasm_sysmon.xml", "rms_sysmon.xml" })
            {
                Assert.Equal(200, (await f.SendAsync(ServeFixture.Post("/services/collector/raw", File.ReadAllText(TempDir.Fixture(file))))).Status);
            }

            clock.Advance(TimeSpan.FromHours(5)); // 10:00 .. 14:00: five runs each, caught up in one tick
            await WaitCaughtUp(f, clock);
            Assert.Equal(10, f.Host.Scheduler!.RunsCompleted);
            Assert.Equal(0, f.Host.Scheduler!.Skipped);
            // Each distinct result raises one notable; later runs see it again and are suppressed.
            Assert.Equal(5, (await f.SearchAsync("index=notable")).Count);
        }
        finally
        {
            await f.DisposeAsync();
            TempDir.Delete(content);
        }
    }

    internal static async Task WaitCaughtUp(ServeFixture f, FakeTimeProvider clock)
    {
        var target = clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var deadline = DateTime.UtcNow.AddSeconds(120); // a liveness bound for loaded machines, not a timing check
        while (f.Host.Scheduler!.CaughtUpTo < target)
        {
            Assert.True(DateTime.UtcNow < deadline, "the scheduler did not catch up with the fake clock");
            await Task.Delay(5);
        }
    }
}
