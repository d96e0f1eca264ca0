using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Store;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Macros;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Detections.Running;

/// <summary>
/// Runs many detections over one stream of events in a single pass. Before reading, each
/// detection is expanded, parsed and planned, and every place its search reads events is found:
/// the leading search of its pipeline and of every subsearch, join, append and map template (with
/// <c>$token$</c> read as <c>*</c>). During the pass, each event is tested only against the
/// searches whose cheap keys (event code, source, sourcetype, channel) it has, and its data model
/// rows are computed once, for the datasets any detection reads.
/// <para>
/// Most detections are <c>search | streaming commands | stats | ...</c> or <c>| tstats ...</c>:
/// those are fed while the pass reads (<see cref="StreamingPipeline"/>), so they hold their groups,
/// not their events, and memory stays flat however large the input. The others keep the events
/// they can match (and the data model rows of the datasets they read) and run after the pass.
/// Events go through in batches; the detections are split into partitions that work on a batch in
/// parallel, each detection always on one thread and in input order, so results do not depend on
/// the number of cores.
/// </para>
/// <para>
/// Three parts, one job each: <see cref="PassRouting"/> (what the pass reads and which searches
/// see each event), this class (the run: batches, threads, finishing) and <see cref="PassSpill"/>
/// (memory bounds, spill and release).
/// </para>
/// </summary>
public sealed class SharedPass
{
    private const int BatchSize = 1024;

    private readonly DetectionEngine _engine;
    private readonly double _now;
    private readonly TimeRange? _range;
    private readonly DataModelCatalog _catalog;
    private readonly int _parallelism;
    private readonly PassRouting _routing;
    private readonly PassSpill _spill;
    private readonly Row[] _batch = new Row[BatchSize];
    private int _batchCount;
    private long _events;

    /// <param name="range">The time range every detection searches (null for all time).</param>
    /// <param name="parallelism">Threads working on each batch (default: all cores).</param>
    /// <param name="streaming">False keeps every detection's events until <see cref="Run()"/> and tests every predicate on every event of its keys, without the literal prefilter (the plain path, to compare against).</param>
    public SharedPass(DetectionEngine engine, IEnumerable<Detection> detections, double now, TimeRange? range = null, DataModelCatalog? catalog = null, int? parallelism = null, bool streaming = true)
    {
        _engine = engine;
        _now = now;
        _range = range;
        _catalog = catalog ?? DataModelCatalog.Cim;
        _parallelism = Math.Max(1, parallelism ?? Environment.ProcessorCount);

        // More partitions than threads, so a partition of costly detections does not leave a core idle.
        var partitionCount = _parallelism == 1 ? 1 : _parallelism * 4;
        _routing = new PassRouting(engine, detections, now, range, _catalog, partitionCount, BatchSize, streaming, _parallelism);
        _spill = new PassSpill(_routing);
    }

    public long EventCount => _events;

    /// <summary>
    /// The stats groups all streamed detections may hold together. Past it, the detections with
    /// the most groups write them to disk (see <see cref="StreamingPipeline.Spill"/>) until half
    /// of it is held, so memory stays bounded however long the input; results do not change.
    /// A group takes roughly 0.5 to 1 KB, so the default holds a few hundred MB of groups.
    /// </summary>
    public long MaxGroupsInMemory { get => _spill.MaxGroupsInMemory; set => _spill.MaxGroupsInMemory = value; }

    /// <summary>
    /// The events and data model rows the detections that are not streamed may keep in memory
    /// together; past it, they are written to disk and read back when those detections run.
    /// </summary>
    public long MaxKeptRowsInMemory { get => _spill.MaxKeptRowsInMemory; set => _spill.MaxKeptRowsInMemory = value; }

    /// <summary>
    /// The same bound in estimated bytes (<see cref="RowBytes"/>): a Windows event with its fields
    /// weighs about 8 KiB, so 100,000 kept events alone could hold 800 MB; past this many bytes the
    /// kept rows are written to disk as past <see cref="MaxKeptRowsInMemory"/>.
    /// </summary>
    public long MaxKeptBytesInMemory { get => _spill.MaxKeptBytesInMemory; set => _spill.MaxKeptBytesInMemory = value; }

    /// <summary>
    /// A detection whose spilled and held group states number at most this merges them in memory
    /// when it finishes; past it, one 32nd at a time through sorted runs on disk.
    /// </summary>
    public long MergeInMemoryUpTo { get => _spill.MergeInMemoryUpTo; set => _spill.MergeInMemoryUpTo = value; }

    /// <summary>Where spilled groups go (a private folder is made inside it); the system's temporary folder when null.</summary>
    public string? SpillFolder { get => _spill.SpillFolder; set => _spill.SpillFolder = value; }

    /// <summary>Groups written to disk during the pass (a group spilled twice counts twice).</summary>
    public long SpilledGroups => _routing.Streams.Sum(s => s.SpilledGroups);

    /// <summary>Events and data model rows kept for detections that are not streamed and written to disk.</summary>
    public long SpilledRows => _spill.SpilledRows;

    /// <summary>How many times kept events written to disk were read back, all detections together.</summary>
    internal long KeptFileReads => _routing.Plans.Sum(p => p.Events.FileReads);

    /// <summary>Bytes written to spill files.</summary>
    public long SpilledBytes => _spill.SpilledBytes;

    /// <summary>Why spilling stopped, when writing to the spill folder failed; the pass then keeps every group in memory.</summary>
    public string? SpillError => _spill.SpillError;

    /// <summary>Groups held in memory by all streamed pipelines now.</summary>
    public long GroupsInMemory => _routing.Streams.Sum(s => (long)s.GroupCount);

    /// <summary>The fields each prefilter scans (events first, then each dataset), for diagnostics.</summary>
    public IEnumerable<string> PrefilterFields() => _routing.PrefilterFields();

    /// <summary>Streamed pipelines that drop groups early because a later where reads only by-fields.</summary>
    public int PushdownPipelines => _routing.Plans.Where(p => p.Stream is not null).Sum(p => p.Stream!.AllStreams().Count(s => s.PushedFilters > 0));

    /// <summary>Streamed pipelines whose rows are first screened by the literal prefilter.</summary>
    public int PrefilteredFeeds => _routing.PrefilteredFeeds;

    /// <summary>Streamed pipelines (main searches and subsearches) in all.</summary>
    public int Feeds => _routing.FeedCount;

    /// <summary>Wall seconds spent on event keys and data model rows (one thread).</summary>
    public double PrepareSeconds { get; private set; }

    /// <summary>Wall seconds spent offering batches to the detections (all partitions).</summary>
    public double MatchSeconds { get; private set; }

    public int UnkeyedScans => _routing.UnkeyedScans;

    public int KeyedScans => _routing.KeyedScans;

    /// <summary>Detections fed while the pass reads (they keep groups, not events).</summary>
    public int StreamedDetections => _routing.Plans.Count(p => p.Stream is not null);

    /// <summary>Groups held by each streamed detection (its main search and subsearches), most first.</summary>
    public IEnumerable<(string Detection, long Groups)> GroupCounts() => _routing.Plans
        .Where(p => p.Stream is not null)
        .Select(p => (p.Detection.Name, p.Stream!.AllStreams().Sum(s => (long)s.GroupCount)))
        .OrderByDescending(x => x.Item2);

    /// <summary>The detections that keep their events, and why each cannot be streamed.</summary>
    public IEnumerable<(string Detection, string Reason)> NotStreamed() =>
        _routing.Plans.Where(p => p.NotStreamed is not null).Select(p => (p.Detection.Name, p.NotStreamed!));

    /// <summary>How many events each detection keeps, most first (what the pass holds in memory); streamed ones keep none.</summary>
    public IEnumerable<(string Detection, long Events, bool Keyed)> Retention() => _routing.Plans
        .Select(p => (p.Detection.Name, p.Events.Count, !_routing.IsUnkeyed(p)))
        .OrderByDescending(x => x.Count);

    /// <summary>Data model rows made per dataset, and how many are kept for detections that run after the pass.</summary>
    public IEnumerable<(string Dataset, long Rows, long Kept)> DataModelRowCounts() =>
        _routing.Datasets.Select((ds, i) => (ds.FullName, _routing.DataModelRowCounts[i], _routing.RetainedRows[i]?.Count ?? 0));

    /// <summary>Offers one event to every detection that could match it, and maps it to the datasets in use.</summary>
    public void Add(Row ev)
    {
        _events++;
        _batch[_batchCount++] = ev;
        if (_batchCount == BatchSize)
        {
            Flush();
        }
    }

    private void Flush()
    {
        if (_batchCount == 0)
        {
            return;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        // Keys, data model rows and prefilter marks are computed once per event, before the
        // detections see it; events are independent, so this runs on all threads too.
        var first = _events - _batchCount;
        if (_parallelism == 1)
        {
            _routing.Prepare(_batch, 0, _batchCount);
        }
        else
        {
            var per = (_batchCount + _parallelism - 1) / _parallelism;
            Parallel.For(0, _parallelism, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, c => _routing.Prepare(_batch, c * per, Math.Min(_batchCount, (c + 1) * per)));
        }

        _routing.KeepDataModelRows(_batchCount);

        var prepared = System.Diagnostics.Stopwatch.GetTimestamp();
        PrepareSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(started, prepared).TotalSeconds;
        var partitions = _routing.Partitions;
        if (partitions.Length == 1)
        {
            _routing.Work(partitions[0], _batch, _batchCount, first);
        }
        else
        {
            Parallel.For(0, partitions.Length, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, p => _routing.Work(partitions[p], _batch, _batchCount, first));
        }

        MatchSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(prepared).TotalSeconds;
        Array.Clear(_batch, 0, _batchCount);
        _batchCount = 0;
        _spill.SpillIfOverBudget();
    }

    /// <summary>
    /// Finishes every detection: streamed ones run what follows their stats, the others run over
    /// their events and the kept data model rows, on all cores (detections are independent, and
    /// shared rows are only read: a detection that changes rows works on copies).
    /// </summary>
    public List<DetectionRun> Run()
    {
        var runs = new DetectionRun[_routing.Plans.Count];
        Run((i, run) => runs[i] = run);
        return [.. runs];
    }

    /// <summary>
    /// Finishes every detection as <see cref="Run()"/> does, but hands each run to
    /// <paramref name="finished"/> (with its detection's index, from any thread, one call at a
    /// time per detection) instead of keeping it: a caller that writes results out as they come
    /// holds no more than the detections being finished.
    /// </summary>
    public void Run(Action<int, DetectionRun> finished)
    {
        Flush();
        var dataModelRows = new Dictionary<DataModelDataset, IEnumerable<Row>>();
        var datasets = _routing.Datasets;
        for (var d = 0; d < datasets.Length; d++)
        {
            if (_routing.RetainedRows[d] is { } kept)
            {
                dataModelRows[datasets[d]] = kept.Rows();
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = _parallelism };
        var plans = _routing.Plans;
        Parallel.For(0, plans.Count, options, i =>
        {
            var plan = plans[i];
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            DetectionRun run;
            if (plan.Error is not null)
            {
                run = new DetectionRun(plan.Detection, [], [], [], plan.Error, plan.ExpandedSearch ?? plan.Detection.Search);
            }
            else if (plan.Stream is { } stream)
            {
                run = DetectionEngine.Complete(plan.Detection, stream.Finish, plan.ExpandedSearch!, plan.Warnings, _now);
                stream.Release();
            }
            else
            {
                var view = new ViewStore(plan.Events.Rows(), dataModelRows, _catalog);
                run = _engine.Run(plan.Detection, view, _now, _range);
                plan.Events.Release();
            }

            finished(i, run with { Seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds });
        });
        _spill.Release();
    }
}
