using System.Text.RegularExpressions;
using Escudo.Core.DataModels;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Store;
using Escudo.Spl;
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
/// </summary>
public sealed partial class SharedPass
{
    private const int BatchSize = 1024;

    private readonly DetectionEngine _engine;
    private readonly double _now;
    private readonly TimeRange? _range;
    private readonly List<Plan> _plans = [];
    private readonly ScanKeys.KeyIndex _keyIds = new();
    private readonly Partition[] _partitions;
    private readonly DataModelDataset[] _datasets;
    private readonly KeptRows?[] _retainedRows;
    private readonly long[] _dataModelRowCounts;
    private readonly DataModelCatalog _catalog;
    private readonly int _parallelism;
    private readonly Row[] _batch = new Row[BatchSize];
    private readonly List<int>[] _batchKeys;
    private readonly Row?[][] _batchRows;
    private readonly ulong[][] _batchMarks;
    private readonly LiteralPrefilter? _eventPrefilter;
    private readonly LiteralPrefilter?[] _datasetPrefilters;
    private readonly int _feedCount;
    private readonly StreamingPipeline[] _streams;
    private SpillDirectory? _spill;
    private int _batchCount;
    private long _events;

    private sealed class Plan(Detection detection, int index)
    {
        public Detection Detection { get; } = detection;

        public int Index { get; } = index;

        /// <summary>The events kept for a detection that cannot be streamed.</summary>
        public KeptRows Events { get; } = new();

        public StreamingPipeline? Stream { get; set; }

        public string? ExpandedSearch { get; set; }

        /// <summary>Why the detection keeps its events instead of being streamed.</summary>
        public string? NotStreamed { get; set; }

        public List<Diagnostic> Warnings { get; } = [];

        public long Stamp { get; set; } = -1;

        public string? Error { get; set; }
    }

    /// <summary>One streamed pipeline of a detection (its main search, or a join's or append's subsearch).</summary>
    private sealed class Feed(Plan plan, StreamingPipeline stream, int id)
    {
        public Plan Plan { get; } = plan;

        public int Id { get; } = id;

        /// <summary>True when the feed takes only rows in which the literal prefilter found one of its literals.</summary>
        public bool Prefiltered { get; set; }

        public StreamingPipeline Stream { get; } = stream;

        public long Stamp { get; set; } = -1;
    }

    /// <summary>A detection's interest in events: a feed for a streamed pipeline (it filters itself), or a predicate for kept events.</summary>
    /// <param name="PrefilterId">For a kept scan with literals, its bit in the prefilter marks; -1 otherwise.</param>
    private readonly record struct Entry(Plan Plan, Feed? Feed, Func<Row, bool>? Predicate, int PrefilterId = -1);

    /// <summary>Detections one thread works on for a batch: the entries by event key, the unkeyed ones, and the streamed tstats by dataset.</summary>
    private sealed class Partition
    {
        public List<Entry>[] ByKey { get; set; } = [];

        public List<Entry> Unkeyed { get; } = [];

        public List<Feed>[] ByDataset { get; set; } = [];
    }

    /// <param name="range">The time range every detection searches (null for all time).</param>
    /// <param name="parallelism">Threads working on each batch (default: all cores).</param>
    /// <param name="streaming">False keeps every detection's events until <see cref="Run"/> and tests every predicate on every event of its keys, without the literal prefilter (the plain path, to compare against).</param>
    public SharedPass(DetectionEngine engine, IEnumerable<Detection> detections, double now, TimeRange? range = null, DataModelCatalog? catalog = null, int? parallelism = null, bool streaming = true)
    {
        _engine = engine;
        _now = now;
        _range = range;
        _catalog = catalog ?? DataModelCatalog.Cim;
        _parallelism = Math.Max(1, parallelism ?? Environment.ProcessorCount);

        // More partitions than threads, so a partition of costly detections does not leave a core idle.
        var partitionCount = _parallelism == 1 ? 1 : _parallelism * 4;
        _partitions = new Partition[partitionCount];
        for (var i = 0; i < partitionCount; i++)
        {
            _partitions[i] = new Partition();
        }

        var keyed = new List<(string Key, Entry Entry)>();
        var streamedDatasets = new List<(DataModelDataset Dataset, Feed Feed)>();
        var retainedDatasets = new HashSet<DataModelDataset>();
        var empty = new MemoryStore([]);
        var feeds = new List<Feed>();
        var keptLiterals = new List<IReadOnlyList<(string, string)>>();
        foreach (var d in detections)
        {
            var plan = new Plan(d, _plans.Count);
            _plans.Add(plan);
            if (DetectionEngine.NotRunnable(d) is { } invalid)
            {
                plan.Error = invalid;
                continue;
            }

            var ctx = engine.ContextFor(empty, now, range, plan.Warnings.Add);
            var compiled = DetectionEngine.Compile(d, ctx, out var error);
            plan.ExpandedSearch = compiled?.Text ?? d.Search;
            if (compiled is null || !compiled.Success)
            {
                plan.Error = error ?? DetectionEngine.Describe(compiled!);
                continue;
            }

            string? blocker = null;
            if (!streaming)
            {
                blocker = "streaming off";
            }
            else if (!SelfContained(compiled.Syntax!))
            {
                blocker = "reads the store again (search subsearch, map or from)";
            }
            else if (StreamingPipeline.TryCreate(compiled.Search!, out blocker) is { } stream)
            {
                plan.Stream = stream;
                foreach (var part in stream.AllStreams())
                {
                    var feed = new Feed(plan, part, feeds.Count);
                    feeds.Add(feed);
                    if (part.Dataset is { } ds)
                    {
                        streamedDatasets.Add((ds, feed));
                    }
                    else
                    {
                        AddScan(new Entry(plan, feed, null), part.Scan ?? new SearchAll(default));
                    }
                }

                continue;
            }

            plan.NotStreamed = blocker;
            foreach (var scan in Scans(compiled.Syntax!, ctx).Select(WithoutSubsearches))
            {
                var literals = streaming ? NecessaryLiterals.Of(scan) : null;
                var prefilterId = -1;
                if (literals is not null)
                {
                    prefilterId = keptLiterals.Count;
                    keptLiterals.Add(literals);
                }

                AddScan(new Entry(plan, null, SearchPredicateCompiler.Compile(scan, ctx, _ => []), prefilterId), scan);
            }

            foreach (var name in DataModelNames(compiled.Syntax!))
            {
                if (_catalog.Resolve(name) is { } ds)
                {
                    retainedDatasets.Add(ds);
                    plan.NotStreamed += $"; keeps {ds.FullName} rows";
                }
            }

            void AddScan(Entry entry, SearchExpr scan)
            {
                var keys = ScanKeys.Required(scan);
                if (keys is null)
                {
                    _partitions[entry.Plan.Index % partitionCount].Unkeyed.Add(entry);
                    return;
                }

                foreach (var k in keys)
                {
                    keyed.Add((k, entry));
                }
            }
        }

        var keyIds = keyed.Select(k => _keyIds.Add(k.Key)).ToArray();

        // Kept scans' prefilter bits come after the feeds' ids.
        Entry Renumber(Entry e) => e.PrefilterId < 0 ? e : e with { PrefilterId = e.PrefilterId + feeds.Count };
        for (var i = 0; i < keyed.Count; i++)
        {
            keyed[i] = (keyed[i].Key, Renumber(keyed[i].Entry));
        }

        foreach (var part in _partitions)
        {
            for (var i = 0; i < part.Unkeyed.Count; i++)
            {
                part.Unkeyed[i] = Renumber(part.Unkeyed[i]);
            }
        }

        _datasets = [.. streamedDatasets.Select(x => x.Dataset).Concat(retainedDatasets).Distinct()];
        _retainedRows = [.. _datasets.Select(ds => retainedDatasets.Contains(ds) ? new KeptRows() : null)];
        _dataModelRowCounts = new long[_datasets.Length];
        foreach (var part in _partitions)
        {
            part.ByKey = [.. Enumerable.Range(0, _keyIds.Count).Select(_ => new List<Entry>())];
            part.ByDataset = [.. _datasets.Select(_ => new List<Feed>())];
        }

        for (var i = 0; i < keyed.Count; i++)
        {
            _partitions[keyed[i].Entry.Plan.Index % partitionCount].ByKey[keyIds[i]].Add(keyed[i].Entry);
        }

        foreach (var (ds, feed) in streamedDatasets)
        {
            _partitions[feed.Plan.Index % partitionCount].ByDataset[Array.IndexOf(_datasets, ds)].Add(feed);
        }

        // The literal prefilter: one for events, one per dataset, over the feeds whose condition has literals.
        _feedCount = feeds.Count;
        _streams = [.. feeds.Select(f => f.Stream)];
        var eventLiterals = new List<(int, IReadOnlyList<(string, string)>)>();
        var datasetLiterals = _datasets.Select(_ => new List<(int, IReadOnlyList<(string, string)>)>()).ToArray();
        foreach (var feed in feeds)
        {
            if (NecessaryLiterals.Of(feed.Stream.Condition) is not { } alternatives)
            {
                continue;
            }

            feed.Prefiltered = true;
            (feed.Stream.Dataset is { } ds ? datasetLiterals[Array.IndexOf(_datasets, ds)] : eventLiterals).Add((feed.Id, alternatives));
        }

        // Kept detections' scans take the ids after the feeds' (their entries were renumbered above).
        for (var k = 0; k < keptLiterals.Count; k++)
        {
            eventLiterals.Add((_feedCount + k, keptLiterals[k]));
        }

        _eventPrefilter = eventLiterals.Count > 0 ? new LiteralPrefilter(eventLiterals) : null;
        _datasetPrefilters = [.. datasetLiterals.Select(l => l.Count > 0 ? new LiteralPrefilter(l) : null)];
        PrefilteredFeeds = feeds.Count(f => f.Prefiltered);

        _batchKeys = [.. Enumerable.Range(0, BatchSize).Select(_ => new List<int>(8))];
        _batchRows = [.. Enumerable.Range(0, BatchSize).Select(_ => new Row?[_datasets.Length])];
        _batchMarks = [.. Enumerable.Range(0, BatchSize).Select(_ => new ulong[(_feedCount + keptLiterals.Count + 63) / 64])];
    }

    public long EventCount => _events;

    /// <summary>
    /// The stats groups all streamed detections may hold together. Past it, the detections with
    /// the most groups write them to disk (see <see cref="StreamingPipeline.Spill"/>) until half
    /// of it is held, so memory stays bounded however long the input; results do not change.
    /// A group takes roughly 0.5 to 1 KB, so the default holds a few hundred MB of groups.
    /// </summary>
    public long MaxGroupsInMemory { get; set; } = 400_000;

    /// <summary>
    /// The events and data model rows the detections that are not streamed may keep in memory
    /// together; past it, they are written to disk and read back when those detections run.
    /// </summary>
    public long MaxKeptRowsInMemory { get; set; } = 100_000;

    /// <summary>
    /// A detection whose spilled and held group states number at most this merges them in memory
    /// when it finishes; past it, one 32nd at a time through sorted runs on disk.
    /// </summary>
    public long MergeInMemoryUpTo { get; set; } = 100_000;

    /// <summary>Where spilled groups go (a private folder is made inside it); the system's temporary folder when null.</summary>
    public string? SpillFolder { get; set; }

    /// <summary>Groups written to disk during the pass (a group spilled twice counts twice).</summary>
    public long SpilledGroups => _streams.Sum(s => s.SpilledGroups);

    /// <summary>Events and data model rows kept for detections that are not streamed and written to disk.</summary>
    public long SpilledRows { get; private set; }

    /// <summary>Bytes written to spill files.</summary>
    public long SpilledBytes { get; private set; }

    /// <summary>Groups held in memory by all streamed pipelines now.</summary>
    public long GroupsInMemory => _streams.Sum(s => (long)s.GroupCount);

    /// <summary>The fields each prefilter scans (events first, then each dataset), for diagnostics.</summary>
    public IEnumerable<string> PrefilterFields() =>
        (_eventPrefilter?.Fields().Select(f => $"events.{f.Field} ({f.States} states)") ?? [])
        .Concat(_datasetPrefilters.SelectMany((p, i) => p?.Fields().Select(f => $"{_datasets[i].FullName}.{f.Field} ({f.States} states)") ?? []));

    /// <summary>Streamed pipelines that drop groups early because a later where reads only by-fields.</summary>
    public int PushdownPipelines => _plans.Where(p => p.Stream is not null).Sum(p => p.Stream!.AllStreams().Count(s => s.PushedFilters > 0));

    /// <summary>Streamed pipelines whose rows are first screened by the literal prefilter.</summary>
    public int PrefilteredFeeds { get; }

    /// <summary>Streamed pipelines (main searches and subsearches) in all.</summary>
    public int Feeds => _feedCount;

    /// <summary>Wall seconds spent on event keys and data model rows (one thread).</summary>
    public double PrepareSeconds { get; private set; }

    /// <summary>Wall seconds spent offering batches to the detections (all partitions).</summary>
    public double MatchSeconds { get; private set; }

    public int UnkeyedScans => _partitions.Sum(p => p.Unkeyed.Count);

    public int KeyedScans => _partitions.Sum(p => p.ByKey.Sum(l => l.Count));

    /// <summary>Detections fed while the pass reads (they keep groups, not events).</summary>
    public int StreamedDetections => _plans.Count(p => p.Stream is not null);

    /// <summary>Groups held by each streamed detection (its main search and subsearches), most first.</summary>
    public IEnumerable<(string Detection, long Groups)> GroupCounts() => _plans
        .Where(p => p.Stream is not null)
        .Select(p => (p.Detection.Name, p.Stream!.AllStreams().Sum(s => (long)s.GroupCount)))
        .OrderByDescending(x => x.Item2);

    /// <summary>The detections that keep their events, and why each cannot be streamed.</summary>
    public IEnumerable<(string Detection, string Reason)> NotStreamed() =>
        _plans.Where(p => p.NotStreamed is not null).Select(p => (p.Detection.Name, p.NotStreamed!));

    /// <summary>How many events each detection keeps, most first (what the pass holds in memory); streamed ones keep none.</summary>
    public IEnumerable<(string Detection, long Events, bool Keyed)> Retention() => _plans
        .Select(p => (p.Detection.Name, p.Events.Count, !_partitions.Any(part => part.Unkeyed.Any(u => ReferenceEquals(u.Plan, p)))))
        .OrderByDescending(x => x.Count);

    /// <summary>Data model rows made per dataset, and how many are kept for detections that run after the pass.</summary>
    public IEnumerable<(string Dataset, long Rows, long Kept)> DataModelRowCounts() =>
        _datasets.Select((ds, i) => (ds.FullName, _dataModelRowCounts[i], _retainedRows[i]?.Count ?? 0));

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
            Prepare(0, _batchCount);
        }
        else
        {
            var per = (_batchCount + _parallelism - 1) / _parallelism;
            Parallel.For(0, _parallelism, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, c => Prepare(c * per, Math.Min(_batchCount, (c + 1) * per)));
        }

        for (var j = 0; j < _batchCount; j++)
        {
            var rows = _batchRows[j];
            for (var d = 0; d < rows.Length; d++)
            {
                if (rows[d] is { } row)
                {
                    _dataModelRowCounts[d]++;
                    _retainedRows[d]?.Add(row);
                }
            }
        }

        var prepared = System.Diagnostics.Stopwatch.GetTimestamp();
        PrepareSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(started, prepared).TotalSeconds;
        if (_partitions.Length == 1)
        {
            Work(_partitions[0], first);
        }
        else
        {
            Parallel.For(0, _partitions.Length, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, p => Work(_partitions[p], first));
        }

        MatchSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(prepared).TotalSeconds;
        Array.Clear(_batch, 0, _batchCount);
        _batchCount = 0;
        SpillIfOverBudget();
    }

    /// <summary>Between batches (no detection is being fed), spills the largest group holders when all hold too many.</summary>
    private void SpillIfOverBudget()
    {
        long held = 0;
        foreach (var s in _streams)
        {
            held += s.GroupCount;
        }

        long kept = 0;
        foreach (var p in _plans)
        {
            kept += p.Events.InMemory;
        }

        foreach (var r in _retainedRows)
        {
            kept += r?.InMemory ?? 0;
        }

        if ((held <= MaxGroupsInMemory && kept <= MaxKeptRowsInMemory) || SpillError is not null)
        {
            return;
        }

        _spill ??= new SpillDirectory(SpillFolder);
        var before = _spill.BytesWritten;
        try
        {
            if (kept > MaxKeptRowsInMemory)
            {
                // Rows kept for detections that run after the pass: all of them go, in their order.
                foreach (var list in _plans.Select(p => p.Events).Concat(_retainedRows.OfType<KeptRows>()))
                {
                    var rows = list.InMemory;
                    SpilledBytes += list.Spill(_spill);
                    SpilledRows += rows;
                }
            }

            var spillGroups = held > MaxGroupsInMemory;
            foreach (var s in _streams.OrderByDescending(s => s.GroupCount))
            {
                // Down to half the budget, so spills are not made every batch; small holders are
                // not worth their files and stay in memory.
                if (!spillGroups || held <= MaxGroupsInMemory / 2 || s.GroupCount < 256)
                {
                    break;
                }

                held -= s.GroupCount;
                s.MergeInMemoryUpTo = MergeInMemoryUpTo;
                s.Spill(_spill);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No room or no right to write: the pass goes on in memory, and says so.
            SpillError = $"cannot write to the spill folder ({e.Message}); stats groups and kept rows stay in memory";
        }

        SpilledBytes += _spill.BytesWritten - before;
    }

    /// <summary>Why spilling stopped, when writing to the spill folder failed; the pass then keeps every group in memory.</summary>
    public string? SpillError { get; private set; }

    private void Prepare(int from, int to)
    {
        for (var j = from; j < to; j++)
        {
            var ev = _batch[j];
            _keyIds.EventKeyIds(ev, _batchKeys[j]);

            var marks = _batchMarks[j];
            Array.Clear(marks);
            _eventPrefilter?.Mark(ev, marks);
            var rows = _batchRows[j];
            for (var d = 0; d < _datasets.Length; d++)
            {
                rows[d] = null;
                if (DataModelMapper.Matches(_datasets[d], ev))
                {
                    var row = DataModelMapper.Project(_datasets[d], ev);
                    rows[d] = row;
                    _datasetPrefilters[d]?.Mark(row, marks);
                }
            }
        }
    }

    private void Work(Partition part, long first)
    {
        for (var j = 0; j < _batchCount; j++)
        {
            var ev = _batch[j];
            var stamp = first + j;
            var marks = _batchMarks[j];
            foreach (var id in _batchKeys[j])
            {
                Offer(part.ByKey[id], ev, stamp, marks);
            }

            Offer(part.Unkeyed, ev, stamp, marks);
            var rows = _batchRows[j];
            for (var d = 0; d < rows.Length; d++)
            {
                if (rows[d] is { } row)
                {
                    foreach (var feed in part.ByDataset[d])
                    {
                        if (Passes(feed, marks))
                        {
                            Push(feed, row);
                        }
                    }
                }
            }
        }
    }

    private static bool Passes(Feed feed, ulong[] marks) => !feed.Prefiltered || Passes(feed.Id, marks);

    private static bool Passes(int id, ulong[] marks) => id < 0 || (marks[id >> 6] & (1UL << (id & 63))) != 0;

    private static void Offer(List<Entry> candidates, Row ev, long stamp, ulong[] marks)
    {
        foreach (var (plan, feed, predicate, prefilterId) in candidates)
        {
            if (feed is not null)
            {
                // A pipeline listed under several of the event's keys takes it once.
                if (feed.Stamp != stamp)
                {
                    feed.Stamp = stamp;
                    if (Passes(feed, marks))
                    {
                        Push(feed, ev);
                    }
                }
            }
            else if (plan.Stamp != stamp && Passes(prefilterId, marks) && predicate!(ev))
            {
                // Kept once, even when several of the detection's searches match it.
                plan.Stamp = stamp;
                plan.Events.Add(ev);
            }
        }
    }

    private static void Push(Feed feed, Row row)
    {
        var plan = feed.Plan;
        if (plan.Error is not null)
        {
            return;
        }

        try
        {
            feed.Stream.Push(row);
        }
        catch (SearchLimitException e)
        {
            plan.Error = "search stopped: " + e.Message;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException))
        {
            // A bug in one detection must not stop the others: report it with the reason.
            plan.Error = DetectionEngine.RunTimeError(e);
        }
    }

    /// <summary>
    /// Finishes every detection: streamed ones run what follows their stats, the others run over
    /// their events and the kept data model rows, on all cores (detections are independent, and
    /// shared rows are only read: a detection that changes rows works on copies).
    /// </summary>
    public List<DetectionRun> Run()
    {
        var runs = new DetectionRun[_plans.Count];
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
        for (var d = 0; d < _datasets.Length; d++)
        {
            if (_retainedRows[d] is { } kept)
            {
                dataModelRows[_datasets[d]] = kept.Rows();
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = _parallelism };
        Parallel.For(0, _plans.Count, options, i =>
        {
            var plan = _plans[i];
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
        foreach (var kept in _retainedRows)
        {
            kept?.Release();
        }

        _spill?.Dispose();
    }

    /// <summary>
    /// True when a search reads nothing but its own leading search or tstats: no subsearch, join,
    /// append or map (those read the store again, so their detection keeps its events).
    /// </summary>
    private static bool SelfContained(Pipeline p) => p.Commands.All(c => c switch
    {
        MapCommand or FromDataModelCommand => false,
        SearchCommand s => Subsearches(s.Expr).All(ReadsNoEvents),
        TstatsCommand t => t.Where is null || Subsearches(t.Where).All(ReadsNoEvents),
        JoinCommand j => SelfContained(j.Subsearch),
        AppendCommand a => SelfContained(a.Subsearch),
        AppendPipeCommand ap => SelfContained(ap.Subpipeline) && !ap.Subpipeline.Commands.Any(x => x is TstatsCommand or JoinCommand or AppendCommand),
        _ => true,
    });

    /// <summary>
    /// A subsearch term that reads no events or data model rows (<c>[| inputlookup ...]</c>) runs
    /// when the search is planned, before the pass, and gives the same terms then as after it.
    /// </summary>
    private static bool ReadsNoEvents(Pipeline p) =>
        p.Commands.Count > 0 && p.Commands[0] is not (SearchCommand or TstatsCommand or FromDataModelCommand)
        && p.Commands.All(c => c is not (JoinCommand or AppendCommand or MapCommand or TstatsCommand or FromDataModelCommand)
            && (c is not SearchCommand s || !Subsearches(s.Expr).Any()));

    /// <summary>A superset of a search for the pass: a subsearch term (known only after it runs) may match anything.</summary>
    private static SearchExpr WithoutSubsearches(SearchExpr e) => e switch
    {
        SearchSubsearch s => new SearchAll(s.Span),
        SearchAnd a => new SearchAnd(a.Terms.Select(WithoutSubsearches).ToList(), a.Span),
        SearchOr o => new SearchOr(o.Terms.Select(WithoutSubsearches).ToList(), o.Span),
        SearchNot n when Subsearches(n.Operand).Any() => new SearchAll(n.Span),
        _ => e,
    };

    /// <summary>Every search expression with which a pipeline (or any nested one) reads events.</summary>
    private static IEnumerable<SearchExpr> Scans(Pipeline p, SearchContext ctx)
    {
        if (p.Commands.Count > 0 && p.Commands[0] is SearchCommand s)
        {
            yield return s.Expr;
        }

        foreach (var c in p.Commands)
        {
            foreach (var nested in Nested(c, ctx))
            {
                foreach (var e in Scans(nested, ctx))
                {
                    yield return e;
                }
            }

            if (c is SearchCommand sc)
            {
                foreach (var sub in Subsearches(sc.Expr))
                {
                    foreach (var e in Scans(sub, ctx))
                    {
                        yield return e;
                    }
                }
            }
        }
    }

    private static IEnumerable<Pipeline> Subsearches(SearchExpr e) => e switch
    {
        SearchSubsearch s => [s.Pipeline],
        SearchAnd a => a.Terms.SelectMany(Subsearches),
        SearchOr o => o.Terms.SelectMany(Subsearches),
        SearchNot n => Subsearches(n.Operand),
        _ => [],
    };

    [GeneratedRegex(@"\$[^$\s]+\$")]
    private static partial Regex MapToken();

    private static IEnumerable<Pipeline> Nested(Command c, SearchContext ctx)
    {
        switch (c)
        {
            case JoinCommand j:
                yield return j.Subsearch;
                break;
            case AppendCommand a:
                yield return a.Subsearch;
                break;
            case AppendPipeCommand ap:
                yield return ap.Subpipeline;
                break;
            case MapCommand m:
                {
                    // A map template's tokens take row values later; `*` stands for any of them.
                    var text = MapToken().Replace(m.Search, "*");
                    var expanded = ctx.Macros is null ? text : new MacroExpander(ctx.Macros).Expand(text).Text ?? text;
                    var parsed = SplEngine.Parse(expanded);
                    if (parsed.Success)
                    {
                        yield return parsed.Value;
                    }
                    else
                    {
                        yield return new Pipeline([new SearchCommand(new SearchAll(default), default)], default);
                    }

                    break;
                }
        }
    }

    private static IEnumerable<string> DataModelNames(Pipeline p)
    {
        foreach (var c in p.Commands)
        {
            switch (c)
            {
                case TstatsCommand t:
                    if (t.DataModel is not null)
                    {
                        yield return t.DataModel;
                    }

                    foreach (var n in NodeNames(t.Where))
                    {
                        yield return n;
                    }

                    break;
                case FromDataModelCommand f:
                    yield return f.DataModel;
                    break;
                case JoinCommand j:
                    foreach (var n in DataModelNames(j.Subsearch))
                    {
                        yield return n;
                    }

                    break;
                case AppendCommand a:
                    foreach (var n in DataModelNames(a.Subsearch))
                    {
                        yield return n;
                    }

                    break;
                case AppendPipeCommand ap:
                    foreach (var n in DataModelNames(ap.Subpipeline))
                    {
                        yield return n;
                    }

                    break;
            }
        }
    }

    private static IEnumerable<string> NodeNames(SearchExpr? e) => e switch
    {
        SearchCompare c when c.Field.Equals("nodename", StringComparison.OrdinalIgnoreCase) => [c.Value],
        SearchAnd a => a.Terms.SelectMany(NodeNames),
        SearchOr o => o.Terms.SelectMany(NodeNames),
        _ => [],
    };
}
