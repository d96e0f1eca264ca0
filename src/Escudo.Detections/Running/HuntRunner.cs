using System.Collections.Concurrent;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Store;

namespace Escudo.Detections.Running;

/// <summary>
/// One hunt, the same for every caller (<c>escudo hunt</c>, the benchmarks): the detections that
/// read events go into one <see cref="SharedPass"/>; the events are read on a thread of their own
/// while this one offers them to the pass (a bounded queue keeps memory flat however large the
/// input); then every detection finishes, and the Correlation detections run over the risk events
/// the first pass made, as the Risk data model (risk-based alerting).
/// </summary>
public sealed class HuntRunner
{
    /// <summary>Events handed from the reader thread to the pass at a time.</summary>
    private const int ReadBatch = 256;

    /// <summary>
    /// Estimated bytes (<see cref="RowBytes"/>) of the events the reader may be ahead of the pass:
    /// about 2,000 Windows events of 8 KiB, two of the pass's batches, enough to keep both sides busy.
    /// </summary>
    public const long DefaultReadAheadBytes = 16L << 20;

    private readonly DetectionEngine _engine;
    private readonly double _now;
    private readonly TimeRange? _range;

    /// <param name="detections">Every detection to run; Correlation ones run after the pass, over its risk events.</param>
    /// <param name="range">The time range every detection searches (null for all time).</param>
    /// <param name="parallelism">Threads working on each batch (default: all cores).</param>
    public HuntRunner(DetectionEngine engine, IEnumerable<Detection> detections, double now, TimeRange? range = null, DataModelCatalog? catalog = null, int? parallelism = null)
    {
        _engine = engine;
        _now = now;
        _range = range;
        var all = detections.ToList();
        FirstPass = [.. all.Where(d => !IsCorrelation(d))];
        Correlations = [.. all.Where(IsCorrelation)];
        Pass = new SharedPass(engine, FirstPass, now, range, catalog, parallelism);
    }

    /// <summary>The detections that read events, in the order their runs come back.</summary>
    public IReadOnlyList<Detection> FirstPass { get; }

    /// <summary>The detections that read the first pass's risk events; their runs come after the first pass's.</summary>
    public IReadOnlyList<Detection> Correlations { get; }

    /// <summary>The pass, for its budgets (set them before reading) and its figures.</summary>
    public SharedPass Pass { get; }

    public long EventCount => Pass.EventCount;

    /// <summary>The bound of the reader's lead over the pass, in estimated bytes; set before <see cref="Read"/>.</summary>
    public long ReadAheadBytes { get; set; } = DefaultReadAheadBytes;

    /// <summary>The most estimated bytes the reader was ahead of the pass in the last <see cref="Read"/>.</summary>
    public long ReadAheadPeakBytes { get; private set; }

    private static bool IsCorrelation(Detection d) => d.Type.Equals("Correlation", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads <paramref name="events"/> on a reader thread and offers each to the pass on this one.
    /// <paramref name="observe"/> sees each event on the reader thread, in input order (readiness,
    /// progress); <paramref name="progress"/> gets the count offered so far after each handful.
    /// An exception from the reader ends the reading and is thrown here, after the reader stopped.
    /// </summary>
    public void Read(IEnumerable<Row> events, Action<Row>? observe = null, Action<long>? progress = null)
    {
        var queue = new ReadAheadQueue<Row[]>(ReadAheadBytes);
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            try
            {
                var batch = new List<Row>(ReadBatch);
                long bytes = 0;
                foreach (var row in events)
                {
                    observe?.Invoke(row);
                    batch.Add(row);
                    bytes += RowBytes.Estimate(row);
                    if (batch.Count == ReadBatch)
                    {
                        queue.Add([.. batch], bytes, stop.Token);
                        batch.Clear();
                        bytes = 0;
                    }
                }

                if (batch.Count > 0)
                {
                    queue.Add([.. batch], bytes, stop.Token);
                }
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            while (queue.Take(out var batch))
            {
                foreach (var row in batch)
                {
                    Pass.Add(row);
                }

                progress?.Invoke(Pass.EventCount);
            }
        }
        catch
        {
            // The pass failed: the reader must not stay blocked on a full queue.
            stop.Cancel();
            WaitQuietly(reader);
            throw;
        }

        reader.GetAwaiter().GetResult();
        ReadAheadPeakBytes = queue.PeakBytes;
    }

    private static void WaitQuietly(Task reader)
    {
        try
        {
            reader.Wait();
        }
        catch (AggregateException)
        {
            // The pass's own exception is the one to report.
        }
    }

    /// <summary>Finishes every detection (first pass, then correlations) and returns their runs, in <see cref="FirstPass"/> then <see cref="Correlations"/> order.</summary>
    public List<DetectionRun> Finish()
    {
        var runs = Pass.Run();

        // Risk-based alerting: the first pass's risk events are the Risk data model for correlations.
        var riskStore = new MemoryStore(runs.SelectMany(r => r.RiskEvents).ToList());
        foreach (var d in Correlations)
        {
            runs.Add(_engine.Run(d, riskStore, _now, _range));
        }

        return runs;
    }

    /// <summary>
    /// Finishes every detection as <see cref="Finish()"/> does, handing each run to
    /// <paramref name="finished"/> with its index instead of keeping it (from any thread for the
    /// first pass, one call at a time per detection); only the risk events are kept, and only when
    /// there are correlations to read them.
    /// </summary>
    public void Finish(Action<int, DetectionRun> finished)
    {
        var risk = new ConcurrentBag<(int Index, List<Row> Events)>();
        Pass.Run((i, run) =>
        {
            if (Correlations.Count > 0)
            {
                risk.Add((i, run.RiskEvents));
            }

            finished(i, run);
        });
        if (Correlations.Count == 0)
        {
            return;
        }

        // In the first pass's order, as Finish() gives them to the correlations.
        var riskStore = new MemoryStore([.. risk.OrderBy(r => r.Index).SelectMany(r => r.Events)]);
        for (var k = 0; k < Correlations.Count; k++)
        {
            finished(FirstPass.Count + k, _engine.Run(Correlations[k], riskStore, _now, _range));
        }
    }
}
