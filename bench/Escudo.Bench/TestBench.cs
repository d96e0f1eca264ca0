using System.Diagnostics;
using Escudo.Detections.Content;
using Escudo.Detections.Testing;

namespace Escudo.Bench;

/// <summary>
/// The detection-as-code loop at scale: 100 ESCU detections, each with its test pointed at a real
/// Sysmon/Security recording from the shared datasets (attack_data itself is not available here),
/// run through the same runner as `escudo test`.
/// </summary>
internal static class TestBench
{
    public static int Run(string contentDir, string datasetsDir, int count = 100)
    {
        var content = ContentFolder.Load(contentDir);
        var recordings = Directory.EnumerateFiles(datasetsDir, "*.evtx", SearchOption.AllDirectories)
            .Where(f => f.Contains("Sysmon", StringComparison.OrdinalIgnoreCase) || f.Contains("sysmon", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Take(20)
            .ToList();
        var chosen = content.Detections
            .Where(d => d.File.StartsWith("detections/endpoint/", StringComparison.Ordinal) && d.Status == "production" && d.Tests is { Count: > 0 })
            .Where(d => d.AllDataSources.Any(s => s.StartsWith("Sysmon EventID", StringComparison.Ordinal)))
            .OrderBy(d => d.File, StringComparer.Ordinal)
            .Take(count)
            .ToList();
        var i = 0;
        foreach (var d in chosen)
        {
            // Point each test at a local recording, keeping ESCU's source/sourcetype.
            foreach (var t in d.Tests!)
            {
                foreach (var a in t.AttackData ?? [])
                {
                    a.Data = "https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/" + Path.GetRelativePath(datasetsDir, recordings[i++ % recordings.Count]).Replace('\\', '/');
                    a.Source = null;
                    a.Sourcetype = null;
                }
            }
        }

        var runner = new DetectionTestRunner(content, datasetsDir);
        var sw = Stopwatch.StartNew();
        var outcomes = chosen.SelectMany(runner.Run).ToList();
        var s = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"| {chosen.Count} detections, {outcomes.Count} tests over {recordings.Count} recordings | {s:0.00} s | {outcomes.Count(o => o.Status == TestStatus.Passed)} passed, {outcomes.Count(o => o.Status == TestStatus.Failed)} failed, {outcomes.Count(o => o.Status == TestStatus.Skipped)} skipped (each test replays a recording not made for it: this times the loop, the outcomes are no verdict on the detections) |");
        return 0;
    }
}
