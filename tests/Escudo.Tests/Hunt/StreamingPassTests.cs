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
/// on one thread.
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
        foreach (var e in events)
        {
            streamed.Add(e);
            kept.Add(e);
        }

        // Most production detections must take the streamed path, or memory grows with matches.
        Assert.True(streamed.StreamedDetections > detections.Count / 2, $"only {streamed.StreamedDetections} of {detections.Count} detections streamed");
        Assert.Equal(0, kept.StreamedDetections);

        var a = streamed.Run();
        var b = kept.Run();
        Assert.Equal(b.Count, a.Count);
        var problems = new StringBuilder();
        var fired = 0;
        for (var i = 0; i < a.Count; i++)
        {
            fired += b[i].Fired ? 1 : 0;
            if (a[i].Error != b[i].Error)
            {
                problems.AppendLine($"{a[i].Detection.Name}: error `{a[i].Error}` streamed, `{b[i].Error}` kept");
            }
            else if (!Lines(a[i].Results).SequenceEqual(Lines(b[i].Results)) || !Lines(a[i].RiskEvents).SequenceEqual(Lines(b[i].RiskEvents)))
            {
                problems.AppendLine($"{a[i].Detection.Name}: {a[i].Results.Count} results streamed, {b[i].Results.Count} kept");
            }
        }

        Assert.True(problems.Length == 0, problems.ToString());
        Assert.True(fired > 20, $"only {fired} detections fired: the comparison says little");
    }

    private static IEnumerable<string> Lines(List<Row> rows) => rows.Select(ResultJson.ToJsonLine);
}
