using System.Text;
using Escudo.Core.Events;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Running;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Hunt;

/// <summary>
/// The shared pass feeds most detections while it reads (their stats or tstats state only) and
/// splits the detections across threads. Both must be invisible in the results: over every
/// recording of the hunt expectations together, with every production detection, the streamed
/// pass on several threads gives, detection by detection, the same error, the same result rows in
/// the same order and the same risk events as the pass that keeps every event and runs afterwards
/// on one thread; and so does a streamed pass that spills its largest stats to disk.
/// </summary>
public class StreamingPassTests
{
    private const double Now = 1_700_000_000;

    [Fact]
    public void StreamedAndParallelPassGivesTheSameResultsAsKeepingEveryEvent()
    {
        var content = ContentFolder.Load(SharedData.Require("escu"));
        var detections = content.Detections
            .Where(d => !d.IsDeprecated && !d.Status.Equals("experimental", StringComparison.OrdinalIgnoreCase))
            .Where(d => !d.Type.Equals("Correlation", StringComparison.OrdinalIgnoreCase))
            .ToList();
        var datasets = SharedData.Require("datasets");
        var recordings = File.ReadAllLines(Path.Combine(SharedData.RepoRoot, "tests", "hunt-expectations", "recordings.txt"))
            .Where(l => l.StartsWith("recording:", StringComparison.Ordinal))
            .Select(l => l["recording:".Length..].Trim())
            .ToList();
        Assert.True(recordings.Count >= 20, "the expectations file lists fewer than 20 recordings");
        var events = recordings.SelectMany(r => InputReader.Read(Path.Combine(datasets, r))).ToList();

        var engine = new DetectionEngine(content);
        var streamed = new SharedPass(engine, detections, Now, parallelism: 2);
        var kept = new SharedPass(engine, detections, Now, parallelism: 1, streaming: false);

        // A pass allowed few groups and kept rows in memory writes them to disk as it goes.
        var spilling = new SharedPass(engine, detections, Now, parallelism: 2) { MaxGroupsInMemory = 2000, MaxKeptRowsInMemory = 20, MergeInMemoryUpTo = 3000 };
        foreach (var e in events)
        {
            streamed.Add(e);
            kept.Add(e);
            spilling.Add(e);
        }

        // Most production detections must take the streamed path, or memory grows with matches.
        Assert.True(streamed.StreamedDetections > detections.Count / 2, $"only {streamed.StreamedDetections} of {detections.Count} detections streamed");
        Assert.Equal(0, kept.StreamedDetections);

        var a = streamed.Run();
        var b = kept.Run();
        Assert.True(spilling.SpilledGroups > 0, "the spilling pass wrote no groups to disk");
        Assert.True(spilling.SpilledRows > 0, "the spilling pass wrote no kept rows to disk");
        Assert.Null(spilling.SpillError);
        var c = spilling.Run();
        Assert.Equal(b.Count, a.Count);
        Assert.Equal(b.Count, c.Count);
        var problems = new StringBuilder();
        var fired = 0;
        for (var i = 0; i < a.Count; i++)
        {
            fired += b[i].Fired ? 1 : 0;
            foreach (var (run, how) in new[] { (a[i], "streamed"), (c[i], "spilled") })
            {
                if (run.Error != b[i].Error)
                {
                    problems.AppendLine($"{run.Detection.Name}: error `{run.Error}` {how}, `{b[i].Error}` kept");
                }
                else if (!Lines(run.Results).SequenceEqual(Lines(b[i].Results)) || !Lines(run.RiskEvents).SequenceEqual(Lines(b[i].RiskEvents)))
                {
                    problems.AppendLine($"{run.Detection.Name}: {run.Results.Count} results {how}, {b[i].Results.Count} kept");
                }
            }
        }

        Assert.True(problems.Length == 0, problems.ToString());
        Assert.True(fired > 20, $"only {fired} detections fired: the comparison says little");
    }

    private static IEnumerable<string> Lines(List<Row> rows) => rows.Select(ResultJson.ToJsonLine);
}
