using Escudo.Core.DataModels;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Store;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Facts;

namespace Escudo.Detections.Running;

/// <summary>
/// What the shared pass reads and which searches see each event. Before reading, each detection
/// is expanded, parsed and planned, and every place its search reads events is found (Spl's
/// <see cref="SearchFacts"/>): a streamed pipeline becomes a feed, the others a predicate whose
/// detection keeps its events. Each is filed under the cheap keys (event code, source,
/// sourcetype, channel) a matching event must have, in one of the partitions, and the literals of
/// its condition go into the prefilters. During the pass, an event's keys, data model rows and
/// prefilter marks are computed once (<see cref="Prepare"/>), then each partition offers it only
/// to the searches it could match (<see cref="Work"/>).
/// </summary>
internal sealed class PassRouting
{
    private readonly ScanKeys.KeyIndex _keyIds = new();
    private readonly List<int>[] _batchKeys;
    private readonly Row?[][] _batchRows;
    private readonly ulong[][] _batchMarks;
    private readonly LiteralPrefilter? _eventPrefilter;
    private readonly LiteralPrefilter?[] _datasetPrefilters;

    internal sealed class Plan(Detection detection, int index)
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
    internal sealed class Feed(Plan plan, StreamingPipeline stream, int id)
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
    internal readonly record struct Entry(Plan Plan, Feed? Feed, Func<Row, bool>? Predicate, int PrefilterId = -1);

    /// <summary>Detections one thread works on for a batch: the entries by event key, the unkeyed ones, and the streamed tstats by dataset.</summary>
    internal sealed class Partition
    {
        public List<Entry>[] ByKey { get; set; } = [];

        public List<Entry> Unkeyed { get; } = [];

        public List<Feed>[] ByDataset { get; set; } = [];
    }

    /// <summary>What planning the detections found, before it is filed into partitions.</summary>
    private sealed class Found
    {
        public List<(string Key, Entry Entry)> Keyed { get; } = [];

        public List<(DataModelDataset Dataset, Feed Feed)> StreamedDatasets { get; } = [];

        public HashSet<DataModelDataset> RetainedDatasets { get; } = [];

        public List<Feed> Feeds { get; } = [];

        public List<IReadOnlyList<(string, string)>> KeptLiterals { get; } = [];
    }

    /// <param name="partitionCount">How many partitions the detections are split into (the pass's threads take them).</param>
    /// <param name="batchSize">Events per batch: the per-event keys, rows and marks are held for a batch.</param>
    /// <param name="streaming">False keeps every detection's events and tests every predicate on every event of its keys, without the literal prefilter.</param>
    /// <param name="planParallelism">Threads that plan the detections before the pass.</param>
    public PassRouting(DetectionEngine engine, IEnumerable<Detection> detections, double now, TimeRange? range, DataModelCatalog catalog, int partitionCount, int batchSize, bool streaming, int planParallelism)
    {
        Partitions = new Partition[partitionCount];
        for (var i = 0; i < partitionCount; i++)
        {
            Partitions[i] = new Partition();
        }

        var found = new Found();
        var empty = new MemoryStore([]);
        foreach (var d in detections)
        {
            Plans.Add(new Plan(d, Plans.Count));
        }

        // Expanding, parsing and planning is a part of a hunt's fixed cost that grows with the
        // content, and each detection's is independent (the finishing compiles in parallel too);
        // filing what each reads stays in detection order, so the pass is the same whatever the
        // thread count.
        var compiled = new (SearchContext Context, CompileResult? Compiled, string? Error)[Plans.Count];
        Parallel.For(0, Plans.Count, new ParallelOptions { MaxDegreeOfParallelism = planParallelism }, i => compiled[i] = Compile(Plans[i], engine, empty, now, range));
        for (var i = 0; i < Plans.Count; i++)
        {
            AddDetection(Plans[i], compiled[i], found, catalog, streaming);
        }

        Datasets = [.. found.StreamedDatasets.Select(x => x.Dataset).Concat(found.RetainedDatasets).Distinct()];
        RetainedRows = [.. Datasets.Select(ds => found.RetainedDatasets.Contains(ds) ? new KeptRows() : null)];
        DataModelRowCounts = new long[Datasets.Length];
        FileEntries(found);

        // The literal prefilter: one for events, one per dataset, over the feeds whose condition has literals.
        FeedCount = found.Feeds.Count;
        Streams = [.. found.Feeds.Select(f => f.Stream)];
        var eventLiterals = new List<(int, IReadOnlyList<(string, string)>)>();
        var datasetLiterals = Datasets.Select(_ => new List<(int, IReadOnlyList<(string, string)>)>()).ToArray();
        foreach (var feed in found.Feeds)
        {
            if (SearchFacts.NecessaryLiterals(feed.Stream) is not { } alternatives)
            {
                continue;
            }

            feed.Prefiltered = true;
            (feed.Stream.Dataset is { } ds ? datasetLiterals[Array.IndexOf(Datasets, ds)] : eventLiterals).Add((feed.Id, alternatives));
        }

        // Kept detections' scans take the ids after the feeds' (their entries were renumbered).
        for (var k = 0; k < found.KeptLiterals.Count; k++)
        {
            eventLiterals.Add((FeedCount + k, found.KeptLiterals[k]));
        }

        _eventPrefilter = eventLiterals.Count > 0 ? new LiteralPrefilter(eventLiterals) : null;
        _datasetPrefilters = [.. datasetLiterals.Select(l => l.Count > 0 ? new LiteralPrefilter(l) : null)];
        PrefilteredFeeds = found.Feeds.Count(f => f.Prefiltered);

        _batchKeys = [.. Enumerable.Range(0, batchSize).Select(_ => new List<int>(8))];
        _batchRows = [.. Enumerable.Range(0, batchSize).Select(_ => new Row?[Datasets.Length])];
        _batchMarks = [.. Enumerable.Range(0, batchSize).Select(_ => new ulong[(FeedCount + found.KeptLiterals.Count + 63) / 64])];
    }

    public List<Plan> Plans { get; } = [];

    public Partition[] Partitions { get; }

    /// <summary>The data model datasets any detection reads, streamed or kept.</summary>
    public DataModelDataset[] Datasets { get; }

    /// <summary>Per dataset, the rows kept for detections that run after the pass (null when none keeps them).</summary>
    public KeptRows?[] RetainedRows { get; }

    public long[] DataModelRowCounts { get; }

    public StreamingPipeline[] Streams { get; }

    public int FeedCount { get; }

    public int PrefilteredFeeds { get; }

    /// <summary>Expands, parses and plans one detection (on any thread: it touches only its own plan).</summary>
    private static (SearchContext Context, CompileResult? Compiled, string? Error) Compile(Plan plan, DetectionEngine engine, MemoryStore empty, double now, TimeRange? range)
    {
        var ctx = engine.ContextFor(empty, now, range, plan.Warnings.Add);
        if (DetectionEngine.NotRunnable(plan.Detection) is { } invalid)
        {
            return (ctx, null, invalid);
        }

        var compiled = DetectionEngine.Compile(plan.Detection, ctx, out var error);
        return (ctx, compiled, compiled is null || !compiled.Success ? error ?? DetectionEngine.Describe(compiled!) : null);
    }

    /// <summary>Records where a compiled detection reads events: feeds when it can be streamed, predicates otherwise.</summary>
    private void AddDetection(Plan plan, (SearchContext Context, CompileResult? Compiled, string? Error) planned, Found found, DataModelCatalog catalog, bool streaming)
    {
        var (ctx, compiled, error) = planned;
        if (DetectionEngine.NotRunnable(plan.Detection) is { } invalid)
        {
            plan.Error = invalid;
            return;
        }

        plan.ExpandedSearch = compiled?.Text ?? plan.Detection.Search;
        if (error is not null || compiled is null)
        {
            plan.Error = error;
            return;
        }

        string? blocker = null;
        if (!streaming)
        {
            blocker = "streaming off";
        }
        else if (!SearchFacts.IsSelfContained(compiled))
        {
            blocker = "reads the store again (search subsearch, map or from)";
        }
        else if (StreamingPipeline.TryCreate(compiled.Search!, out blocker) is { } stream)
        {
            plan.Stream = stream;
            foreach (var part in stream.AllStreams())
            {
                var feed = new Feed(plan, part, found.Feeds.Count);
                found.Feeds.Add(feed);
                if (part.Dataset is { } ds)
                {
                    found.StreamedDatasets.Add((ds, feed));
                }
                else
                {
                    AddScan(new Entry(plan, feed, null), SearchFacts.ScanOf(part));
                }
            }

            return;
        }

        plan.NotStreamed = blocker;
        foreach (var scan in SearchFacts.EventScans(compiled, ctx))
        {
            var literals = streaming ? scan.NecessaryLiterals() : null;
            var prefilterId = -1;
            if (literals is not null)
            {
                prefilterId = found.KeptLiterals.Count;
                found.KeptLiterals.Add(literals);
            }

            AddScan(new Entry(plan, null, scan.Predicate(ctx), prefilterId), scan);
        }

        foreach (var name in SearchFacts.DataModelNames(compiled))
        {
            if (catalog.Resolve(name) is { } ds)
            {
                found.RetainedDatasets.Add(ds);
                plan.NotStreamed += $"; keeps {ds.FullName} rows";
            }
        }

        void AddScan(Entry entry, PassScan scan)
        {
            var keys = scan.RequiredKeys();
            if (keys is null)
            {
                Partitions[entry.Plan.Index % Partitions.Length].Unkeyed.Add(entry);
                return;
            }

            foreach (var k in keys)
            {
                found.Keyed.Add((k, entry));
            }
        }
    }

    /// <summary>Files every keyed entry and streamed tstats under its partition, after the kept scans' prefilter ids move past the feeds'.</summary>
    private void FileEntries(Found found)
    {
        var keyed = found.Keyed;
        var keyIds = keyed.Select(k => _keyIds.Add(k.Key)).ToArray();
        var feedCount = found.Feeds.Count;

        // Kept scans' prefilter bits come after the feeds' ids.
        Entry Renumber(Entry e) => e.PrefilterId < 0 ? e : e with { PrefilterId = e.PrefilterId + feedCount };
        for (var i = 0; i < keyed.Count; i++)
        {
            keyed[i] = (keyed[i].Key, Renumber(keyed[i].Entry));
        }

        foreach (var part in Partitions)
        {
            for (var i = 0; i < part.Unkeyed.Count; i++)
            {
                part.Unkeyed[i] = Renumber(part.Unkeyed[i]);
            }
        }

        foreach (var part in Partitions)
        {
            part.ByKey = [.. Enumerable.Range(0, _keyIds.Count).Select(_ => new List<Entry>())];
            part.ByDataset = [.. Datasets.Select(_ => new List<Feed>())];
        }

        for (var i = 0; i < keyed.Count; i++)
        {
            Partitions[keyed[i].Entry.Plan.Index % Partitions.Length].ByKey[keyIds[i]].Add(keyed[i].Entry);
        }

        foreach (var (ds, feed) in found.StreamedDatasets)
        {
            Partitions[feed.Plan.Index % Partitions.Length].ByDataset[Array.IndexOf(Datasets, ds)].Add(feed);
        }
    }

    /// <summary>The fields each prefilter scans (events first, then each dataset), for diagnostics.</summary>
    public IEnumerable<string> PrefilterFields() =>
        (_eventPrefilter?.Fields().Select(f => $"events.{f.Field} ({f.States} states)") ?? [])
        .Concat(_datasetPrefilters.SelectMany((p, i) => p?.Fields().Select(f => $"{Datasets[i].FullName}.{f.Field} ({f.States} states)") ?? []));

    public int UnkeyedScans => Partitions.Sum(p => p.Unkeyed.Count);

    public int KeyedScans => Partitions.Sum(p => p.ByKey.Sum(l => l.Count));

    /// <summary>True when one of the detection's scans is filed under no key (it sees every event).</summary>
    public bool IsUnkeyed(Plan plan) => Partitions.Any(part => part.Unkeyed.Any(u => ReferenceEquals(u.Plan, plan)));

    /// <summary>Computes the keys, data model rows and prefilter marks of events <paramref name="from"/> to <paramref name="to"/> of the batch.</summary>
    public void Prepare(Row[] batch, int from, int to)
    {
        for (var j = from; j < to; j++)
        {
            var ev = batch[j];
            _keyIds.EventKeyIds(ev, _batchKeys[j]);

            var marks = _batchMarks[j];
            Array.Clear(marks);
            _eventPrefilter?.Mark(ev, marks);
            var rows = _batchRows[j];
            for (var d = 0; d < Datasets.Length; d++)
            {
                rows[d] = null;
                if (DataModelMapper.Matches(Datasets[d], ev))
                {
                    var row = DataModelMapper.Project(Datasets[d], ev);
                    rows[d] = row;
                    _datasetPrefilters[d]?.Mark(row, marks);
                }
            }
        }
    }

    /// <summary>Counts the batch's data model rows per dataset and keeps those that detections run after the pass read.</summary>
    public void KeepDataModelRows(int count)
    {
        for (var j = 0; j < count; j++)
        {
            var rows = _batchRows[j];
            for (var d = 0; d < rows.Length; d++)
            {
                if (rows[d] is { } row)
                {
                    DataModelRowCounts[d]++;
                    RetainedRows[d]?.Add(row);
                }
            }
        }
    }

    /// <summary>Offers a prepared batch to the detections of one partition, in input order.</summary>
    public void Work(Partition part, Row[] batch, int count, long first)
    {
        for (var j = 0; j < count; j++)
        {
            var ev = batch[j];
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
}
