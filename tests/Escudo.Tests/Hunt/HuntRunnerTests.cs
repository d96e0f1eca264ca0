using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Running;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Hunt;

/// <summary>
/// The one hunt orchestration (CLI, benchmarks): reading on its own thread changes nothing in the
/// results against offering the same events to a shared pass directly; correlations run after
/// the pass over its risk events; the streaming finish gives what the collecting one gives; and
/// a failure on either side of the reader thread ends the read with that failure, never a hang.
/// </summary>
public class HuntRunnerTests
{
    private const double Now = 1_700_000_000;

    private static readonly Lazy<(ContentFolder Content, List<Detection> Detections, List<Row> Events)> Data = new(() =>
    {
        var content = ContentFolder.Load(SharedData.Require("escu"));
        var detections = content.Detections
            .Where(d => !d.IsDeprecated && d.Status.Equals("production", StringComparison.OrdinalIgnoreCase))
            .ToList();
        var datasets = SharedData.Require("datasets");
        string[] recordings =
        [
            "EVTX-ATTACK-SAMPLES/Credential Access/CA_DCSync_4662.evtx",
            "DeepBlueCLI/evtx/password-spray.evtx",
            "EVTX-ATTACK-SAMPLES/Persistence/evasion_persis_hidden_run_keyvalue_sysmon_13.evtx",
            "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_wmiexec_impacket_sysmon_whoami.evtx",
        ];
        var events = recordings.SelectMany(r => InputReader.Read(Path.Combine(datasets, r))).ToList();
        return (content, detections, events);
    });

    [Fact]
    public void ReadingOnItsOwnThreadGivesWhatThePassGivesThenTheCorrelations()
    {
        var (content, detections, events) = Data.Value;
        var engine = new DetectionEngine(content);
        var hunt = new HuntRunner(engine, detections, Now, parallelism: 2);
        Assert.NotEmpty(hunt.Correlations);
        Assert.DoesNotContain(hunt.FirstPass, d => d.Type.Equals("Correlation", StringComparison.OrdinalIgnoreCase));
        var observed = 0;
        long lastProgress = 0;
        hunt.Read(events, _ => observed++, n => lastProgress = n);
        var runs = hunt.Finish();

        var pass = new SharedPass(engine, hunt.FirstPass, Now, parallelism: 1);
        foreach (var e in events)
        {
            pass.Add(e);
        }

        var expected = pass.Run();
        var risk = new MemoryStore(expected.SelectMany(r => r.RiskEvents).ToList());
        expected.AddRange(hunt.Correlations.Select(d => engine.Run(d, risk, Now)));

        Assert.Equal(events.Count, observed);
        Assert.Equal(events.Count, lastProgress);
        Assert.Equal(events.Count, hunt.EventCount);
        Assert.Equal(expected.Select(Summary), runs.Select(Summary));
        Assert.True(runs.Count(r => r.Fired) >= 3, $"only {runs.Count(r => r.Fired)} detections fired: the comparison says little");
        Assert.Contains(runs.Skip(hunt.FirstPass.Count), r => r.Error is null);
    }

    [Fact]
    public void TheStreamingFinishHandsOverWhatTheCollectingFinishReturns()
    {
        var (content, detections, events) = Data.Value;
        var engine = new DetectionEngine(content);
        var collecting = new HuntRunner(engine, detections, Now, parallelism: 2);
        collecting.Read(events);
        var expected = collecting.Finish();

        var streaming = new HuntRunner(engine, detections, Now, parallelism: 2);
        streaming.Read(events);
        var handed = new DetectionRun?[expected.Count];
        streaming.Finish((i, run) => handed[i] = run);
        Assert.Equal(expected.Select(Summary), handed.Select(r => r is null ? "missing" : Summary(r)));
    }

    [Fact]
    public void AReadAheadBoundThatIsHitChangesNoResult()
    {
        var (content, detections, events) = Data.Value;
        var engine = new DetectionEngine(content);
        var unbounded = new HuntRunner(engine, detections, Now, parallelism: 2) { ReadAheadBytes = long.MaxValue };
        unbounded.Read(events);
        var expected = unbounded.Finish();

        // One batch at a time: the reader waits for the pass at every batch.
        var tight = new HuntRunner(engine, detections, Now, parallelism: 2) { ReadAheadBytes = 1 };
        tight.Read(events);
        var runs = tight.Finish();

        var largestBatch = events.Chunk(256).Max(b => b.Sum(RowBytes.Estimate));
        Assert.True(tight.ReadAheadPeakBytes <= largestBatch, $"held {tight.ReadAheadPeakBytes} bytes, more than one batch ({largestBatch})");
        Assert.Equal(events.Count, tight.EventCount);
        Assert.Equal(expected.Select(Summary), runs.Select(Summary));
        Assert.True(runs.Count(r => r.Fired) >= 3, $"only {runs.Count(r => r.Fired)} detections fired: the comparison says little");
    }

    [Fact]
    public void AReaderFailureEndsTheReadWithIt()
    {
        var (content, detections, events) = Data.Value;
        var hunt = new HuntRunner(new DetectionEngine(content), detections.Take(20), Now, parallelism: 1);
        IEnumerable<Row> Failing()
        {
            foreach (var ev in events.Take(1000))
            {
                yield return ev;
            }

            throw new InvalidDataException("damaged input past event 1000");
        }

        var e = Assert.Throws<InvalidDataException>(() => hunt.Read(Failing()));
        Assert.Contains("event 1000", e.Message);
    }

    [Fact]
    public void AFailureOnThePassSideStopsTheReaderInsteadOfLeavingItBlocked()
    {
        var (content, detections, _) = Data.Value;
        var hunt = new HuntRunner(new DetectionEngine(content), detections.Take(20), Now, parallelism: 1);
        var read = 0L;

        // Far more events than the queue holds: a reader left running would block on it for ever.
        IEnumerable<Row> Endless()
        {
            while (true)
            {
                read++;
                var row = new Row(1);
                row.Set("EventCode", Value.FromString("4688"));
                yield return row;
            }
        }

        var e = Assert.Throws<InvalidOperationException>(() => hunt.Read(Endless(), progress: _ => throw new InvalidOperationException("progress display failed")));
        Assert.Equal("progress display failed", e.Message);
        Assert.True(read > 0);
    }

    private static string Summary(DetectionRun r) =>
        $"{r.Detection.Name}|{r.Error}|{string.Join("\n", r.Results.Select(ResultJson.ToJsonLine))}|{string.Join("\n", r.RiskEvents.Select(ResultJson.ToJsonLine))}";
}
