using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Functions.Stats;

namespace Escudo.Spl.Execution.Operators;

/// <summary>One compiled aggregation: where its input comes from and where its result goes.</summary>
internal sealed record AggregationPlan(AggregateFunction Function, CompiledExpr? Input, bool InputIsCondition, int OutputId, string OutputName);

/// <summary>
/// stats, eventstats and streamstats
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Stats): groups by the by
/// fields (a multivalue by-field puts the row in one group per value; a row whose by-field is
/// null joins no group), aggregates each group, and for stats emits one row per group sorted by
/// the group values. Without by fields, stats emits one row even over no input.
/// </summary>
internal sealed class StatsOperator(string kind, IReadOnlyList<AggregationPlan> aggregations, IReadOnlyList<int> byIds, string description, long maxGroups, SearchBudget? budget = null) : Operator
{
    public override bool Mutates => kind != "stats";

    public override string Describe() => description;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => kind switch
    {
        "eventstats" => EventStats(input),
        "streamstats" => StreamStats(input),
        _ => Stats(input),
    };

    internal sealed class Group(Value[] key, Aggregator[] states)
    {
        public Value[] Key { get; } = key;

        public Aggregator[] States { get; } = states;

        /// <summary>The events behind the group: the first few references, their count and time span.</summary>
        public Evidence Evidence { get; } = new();
    }

    private Aggregator[] NewStates()
    {
        var s = new Aggregator[aggregations.Count];
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = aggregations[i].Function.Create();
        }

        return s;
    }

    private void Feed(Aggregator[] states, Row row)
    {
        var time = double.NaN;
        for (var i = 0; i < aggregations.Count; i++)
        {
            var a = aggregations[i];
            Value v;
            if (a.Input is null)
            {
                v = Value.True; // bare count counts rows
            }
            else
            {
                v = a.Input(row);
                if (a.InputIsCondition)
                {
                    // count(eval(cond)) counts rows where cond holds; false counts as absent.
                    if (v.IsBoolean && !v.RawBoolean)
                    {
                        continue;
                    }
                }
            }

            if (v.IsNull)
            {
                continue;
            }

            if (double.IsNaN(time))
            {
                time = row.Time;
            }

            states[i].Add(v, time);
        }
    }

    /// <summary>Every group key a row belongs to; none when a by-field is null.</summary>
    private IEnumerable<Value[]> Keys(Row row)
    {
        if (byIds.Count == 0)
        {
            yield return [];
            yield break;
        }

        var parts = new Value[byIds.Count];
        var multi = false;
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = row.Get(byIds[i]);
            if (parts[i].IsNull)
            {
                yield break;
            }

            multi |= parts[i].IsMulti;
        }

        if (!multi)
        {
            yield return parts;
            yield break;
        }

        foreach (var combo in Combinations(parts, 0))
        {
            yield return combo;
        }
    }

    private static IEnumerable<Value[]> Combinations(Value[] parts, int i)
    {
        if (i == parts.Length)
        {
            yield return [];
            yield break;
        }

        foreach (var item in parts[i].Items.ToArray())
        {
            foreach (var rest in Combinations(parts, i + 1))
            {
                var combo = new Value[parts.Length - i];
                combo[0] = Value.FromString(item);
                Array.Copy(rest, 0, combo, 1, rest.Length);
                yield return combo;
            }
        }
    }

    /// <summary>The names of the by fields, in order.</summary>
    public IEnumerable<string> ByNames => byIds.Select(FieldTable.NameOf);

    /// <summary>The names of the aggregation outputs.</summary>
    public IEnumerable<string> OutputNames => aggregations.Select(a => a.OutputName);

    /// <summary>True for plain stats, whose state can be fed one row at a time and read at the end.</summary>
    public bool IsStats => kind == "stats";

    /// <summary>
    /// The state of one stats run, fed row by row: the shared pass feeds it while it reads, so a
    /// detection's memory is its groups, not the events that made them.
    /// </summary>
    public sealed class Accumulator
    {
        private readonly StatsOperator _op;
        private readonly Dictionary<Value[], Group> _groups = new(GroupKeyComparer.Instance);
        private readonly Value[] _probe;
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

        internal Accumulator(StatsOperator op)
        {
            _op = op;
            _probe = new Value[op.ByIds.Count];
        }

        internal Dictionary<Value[], Group> Groups => _groups;

        public int GroupCount => _groups.Count;

        /// <summary>
        /// Decides, from its by-field values alone, whether a new group can reach the results; a
        /// group it refuses is never made and its rows are dropped (see StreamingPipeline).
        /// </summary>
        public Func<Value[], bool>? GroupFilter { get; set; }

        public void Add(Row row)
        {
            // The common case (single values): look the group up with a reused key, copied only when new.
            var multi = false;
            for (var i = 0; i < _probe.Length; i++)
            {
                var v = row.Get(_op.ByIds[i]);
                if (v.IsNull)
                {
                    return; // a row whose by-field is null joins no group
                }

                multi |= v.IsMulti;
                _probe[i] = v;
            }

            if (!multi)
            {
                if (!_groups.TryGetValue(_probe, out var g))
                {
                    if (GroupFilter is { } keep && !keep(_probe))
                    {
                        return;
                    }

                    g = NewGroup((Value[])_probe.Clone());
                }

                _op.Feed(g.States, row);
                g.Evidence.Add(row);
                return;
            }

            foreach (var key in _op.Keys(row))
            {
                if (!_groups.TryGetValue(key, out var g))
                {
                    if (GroupFilter is { } keep && !keep(key))
                    {
                        continue;
                    }

                    g = NewGroup(key);
                }

                _op.Feed(g.States, row);
                g.Evidence.Add(row);
            }
        }

        private Group NewGroup(Value[] key)
        {
            if (_groups.Count >= _op.MaxGroups)
            {
                throw new SearchLimitException($"{_op.Kind} holds more than {_op.MaxGroups} groups; narrow the search or raise the memory limit");
            }

            // Group values repeat across groups (hosts, users, paths) but arrive as new strings
            // with every event: keep one copy of each, so memory follows distinct values, not groups.
            for (var i = 0; i < key.Length; i++)
            {
                if (key[i].Kind == ValueKind.String)
                {
                    var text = key[i].RawString!;
                    if (!_strings.TryGetValue(text, out var pooled))
                    {
                        _strings[text] = pooled = text;
                    }

                    if (!ReferenceEquals(pooled, text))
                    {
                        key[i] = Value.FromString(pooled);
                    }
                }
            }

            var g = new Group(key, _op.NewStates());
            _groups[key] = g;
            return g;
        }

        /// <summary>One row per group, sorted by the group values; one row over no input when there are no by fields.</summary>
        public IEnumerable<Row> Results() => _spillFiles is null ? _op.Emit(_groups) : MergedResults();

        /// <summary>Forgets every group held, once the results have been read (the spill files are removed as they are merged).</summary>
        public void Release()
        {
            _groups.Clear();
            _groups.TrimExcess();
            _strings.Clear();
            _strings.TrimExcess();
        }

        /// <summary>Groups written to disk so far (counted once per spill they were in).</summary>
        public long SpilledGroups { get; private set; }

        /// <summary>How many times the groups were written to disk.</summary>
        public int SpillRuns { get; private set; }

        // Spilled groups are spread over files by the hash of their key, so that at the end one
        // file's groups at a time are merged in memory: a spilling stats holds about 1/32 of its groups.
        private const int SpillPartitions = 32;
        private string[]? _spillFiles;
        private SpillDirectory? _spillDirectory;

        private static int PartitionOf(Value[] key) => (int)(((uint)GroupKeyComparer.Instance.GetHashCode(key) * 0x9E3779B1u) >> 27);

        /// <summary>
        /// Writes every group held to disk and forgets them, so memory is freed while the pass goes
        /// on; a group seen again starts afresh and is merged with its spilled states at the end.
        /// Spills are appended in order, so merging reads each group's states in input order.
        /// </summary>
        public void Spill(SpillDirectory directory)
        {
            if (_groups.Count == 0)
            {
                return;
            }

            _spillDirectory ??= directory;
            _spillFiles ??= [.. Enumerable.Range(0, SpillPartitions).Select(_ => _spillDirectory.NewFile("stats"))];
            var writers = new BinaryWriter?[SpillPartitions];
            var lengths = _spillFiles.Select(f => File.Exists(f) ? new FileInfo(f).Length : 0).ToArray();
            var written = false;
            try
            {
                foreach (var (key, g) in _groups)
                {
                    var p = PartitionOf(key);
                    var w = writers[p] ??= new BinaryWriter(new FileStream(_spillFiles[p], FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16), Encoding.UTF8);
                    foreach (var v in key)
                    {
                        Core.Values.ValueBinary.Write(w, v);
                    }

                    foreach (var state in g.States)
                    {
                        state.Write(w);
                    }

                    Evidence.Write(w, g.Evidence);
                }

                foreach (var w in writers)
                {
                    w?.Flush();
                }

                written = true;
            }
            finally
            {
                for (var p = 0; p < writers.Length; p++)
                {
                    if (writers[p] is not { } w)
                    {
                        continue;
                    }

                    if (written)
                    {
                        _spillDirectory.Count(w.BaseStream.Position - lengths[p]);
                        w.Dispose();
                    }
                    else
                    {
                        // A failed spill (disk full) leaves the files as they were: the groups stay in memory, counted once.
                        try
                        {
                            w.BaseStream.SetLength(lengths[p]);
                            w.Dispose();
                        }
                        catch (IOException)
                        {
                        }
                    }
                }
            }

            SpilledGroups += _groups.Count;
            SpillRuns++;
            _groups.Clear();
            _groups.TrimExcess();
            _strings.Clear();
            _strings.TrimExcess();
        }

        /// <summary>
        /// The results of a stats that spilled: each partition's states are merged in memory, its
        /// rows sorted and written as a sorted run, and the runs are merged into one ordered stream,
        /// so the rows come out as <see cref="Emit"/> would give them without holding them all.
        /// </summary>
        private IEnumerable<Row> MergedResults()
        {
            if (SpilledGroups + _groups.Count <= MergeInMemoryUpTo)
            {
                // Few enough states in all (a group spilled twice counts twice): merge them all in
                // memory, with the groups still held last, and sort once.
                return _op.Emit(MergeAllInMemory());
            }

            return MergedResultsExternally();
        }

        /// <summary>Up to this many spilled and held group states, a spilled stats merges in memory instead of through sorted runs.</summary>
        public long MergeInMemoryUpTo { get; set; } = 100_000;

        private Dictionary<Value[], Group> MergeAllInMemory()
        {
            var width = _op.ByIds.Count;
            var groups = new Dictionary<Value[], Group>(GroupKeyComparer.Instance);
            foreach (var file in _spillFiles!)
            {
                if (!File.Exists(file))
                {
                    continue;
                }

                using (var r = new BinaryReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None, 1 << 16), Encoding.UTF8))
                {
                    MergeFile(r, groups, width);
                }

                File.Delete(file);
            }

            // The groups held now came after every spill: their states merge last.
            foreach (var (key, g) in _groups)
            {
                if (!groups.TryGetValue(key, out var merged))
                {
                    groups[key] = g;
                    continue;
                }

                using var buffer = new MemoryStream();
                using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
                {
                    foreach (var state in g.States)
                    {
                        state.Write(w);
                    }
                }

                buffer.Position = 0;
                using var rd = new BinaryReader(buffer, Encoding.UTF8);
                foreach (var state in merged.States)
                {
                    state.Merge(rd);
                }

                merged.Evidence.Merge(g.Evidence);
            }

            _groups.Clear();
            return groups;
        }

        private void MergeFile(BinaryReader r, Dictionary<Value[], Group> groups, int width)
        {
            var length = r.BaseStream.Length;
            while (r.BaseStream.Position < length)
            {
                var key = new Value[width];
                for (var i = 0; i < width; i++)
                {
                    key[i] = Core.Values.ValueBinary.Read(r);
                }

                if (!groups.TryGetValue(key, out var g))
                {
                    g = new Group(key, _op.NewStates());
                    groups[key] = g;
                }

                foreach (var state in g.States)
                {
                    state.Merge(r);
                }

                g.Evidence.Merge(Evidence.Read(r)!);
            }
        }

        private IEnumerable<Row> MergedResultsExternally()
        {
            Spill(_spillDirectory!); // the groups still held become the last run
            var runs = new List<string>();
            var width = _op.ByIds.Count;
            var outputs = _op.Aggregations.Count;
            try
            {
                foreach (var file in _spillFiles!)
                {
                    if (!File.Exists(file))
                    {
                        continue;
                    }

                    var groups = new Dictionary<Value[], Group>(GroupKeyComparer.Instance);
                    using (var r = new BinaryReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None, 1 << 16), Encoding.UTF8))
                    {
                        MergeFile(r, groups, width);
                    }

                    File.Delete(file);
                    var ordered = groups.Values.ToList();
                    groups.Clear();
                    ordered.Sort(CompareGroups);
                    var run = _spillDirectory!.NewFile("sorted");
                    runs.Add(run);
                    using var w = new BinaryWriter(new FileStream(run, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16), Encoding.UTF8);
                    foreach (var g in ordered)
                    {
                        foreach (var v in g.Key)
                        {
                            Core.Values.ValueBinary.Write(w, v);
                        }

                        foreach (var state in g.States)
                        {
                            Core.Values.ValueBinary.Write(w, state.Result());
                        }

                        Evidence.Write(w, g.Evidence);
                    }
                }

                foreach (var row in MergeSortedRuns(runs, width, outputs))
                {
                    yield return row;
                }
            }
            finally
            {
                foreach (var run in runs)
                {
                    File.Delete(run);
                }
            }
        }

        private IEnumerable<Row> MergeSortedRuns(List<string> runs, int width, int outputs)
        {
            var readers = new List<BinaryReader>();
            var current = new List<(Value[] Key, Value[] Results, Evidence? Evidence)>();
            try
            {
                // Heads of the runs, smallest key first; equal keys cannot come from two runs (a key
                // lives in one partition), and ties in order go to the earlier run.
                var heads = new PriorityQueue<int, (Value[] Key, int Run)>(Comparer<(Value[] Key, int Run)>.Create((a, b) =>
                {
                    var c = CompareKeys(a.Key, b.Key);
                    return c != 0 ? c : a.Run.CompareTo(b.Run);
                }));
                foreach (var run in runs)
                {
                    var r = new BinaryReader(new FileStream(run, FileMode.Open, FileAccess.Read, FileShare.None, 1 << 16), Encoding.UTF8);
                    readers.Add(r);
                    current.Add(default);
                    if (Next(readers.Count - 1))
                    {
                        heads.Enqueue(readers.Count - 1, (current[^1].Key, readers.Count - 1));
                    }
                }

                if (heads.Count == 0 && width == 0)
                {
                    foreach (var row in _op.Emit(_groups))
                    {
                        yield return row;
                    }

                    yield break;
                }

                while (heads.TryDequeue(out var i, out _))
                {
                    var (key, results, evidence) = current[i];
                    var row = new Row(width + outputs) { Evidence = evidence };
                    for (var k = 0; k < width; k++)
                    {
                        row.Set(_op.ByIds[k], key[k]);
                    }

                    for (var k = 0; k < outputs; k++)
                    {
                        row.Set(_op.Aggregations[k].OutputId, results[k]);
                    }

                    if (Next(i))
                    {
                        heads.Enqueue(i, (current[i].Key, i));
                    }

                    yield return row;
                }
            }
            finally
            {
                foreach (var r in readers)
                {
                    r.Dispose();
                }
            }

            bool Next(int i)
            {
                var r = readers[i];
                if (r.BaseStream.Position >= r.BaseStream.Length)
                {
                    return false;
                }

                var key = new Value[width];
                for (var k = 0; k < width; k++)
                {
                    key[k] = Core.Values.ValueBinary.Read(r);
                }

                var results = new Value[outputs];
                for (var k = 0; k < outputs; k++)
                {
                    results[k] = Core.Values.ValueBinary.Read(r);
                }

                current[i] = (key, results, Evidence.Read(r));
                return true;
            }
        }
    }

    private static int CompareKeys(Value[] a, Value[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var c = ValueComparer.Instance.Compare(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static int CompareGroups(Group a, Group b) => CompareKeys(a.Key, b.Key);

    /// <summary>
    /// Groups are told apart by the display text of their values, as Splunk's stats does. Numbers
    /// (a binned _time) are hashed from their text written into a stack buffer, and two numbers are
    /// equal exactly when their texts are, so keys are compared without making strings.
    /// </summary>
    private sealed class GroupKeyComparer : IEqualityComparer<Value[]>
    {
        public static readonly GroupKeyComparer Instance = new();

        private static bool Same(in Value x, in Value y)
        {
            if (x.Kind == ValueKind.String && y.Kind == ValueKind.String)
            {
                return string.Equals(x.RawString, y.RawString, StringComparison.Ordinal);
            }

            if (x.Kind == ValueKind.Number && y.Kind == ValueKind.Number)
            {
                return x.RawNumber == y.RawNumber; // distinct doubles never print alike (integers as integers, others round-trip)
            }

            return string.Equals(x.ToDisplayString(), y.ToDisplayString(), StringComparison.Ordinal);
        }

        private static int Hash(in Value v)
        {
            switch (v.Kind)
            {
                case ValueKind.String:
                    return v.RawString!.GetHashCode();
                case ValueKind.Number:
                    Span<char> text = stackalloc char[32];
                    return string.GetHashCode(text[..Value.FormatNumber(v.RawNumber, text)]);
                default:
                    return v.ToDisplayString().GetHashCode();
            }
        }

        public bool Equals(Value[]? x, Value[]? y)
        {
            if (x is null || y is null || x.Length != y.Length)
            {
                return ReferenceEquals(x, y);
            }

            for (var i = 0; i < x.Length; i++)
            {
                if (!Same(x[i], y[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(Value[] key)
        {
            var h = new HashCode();
            foreach (var v in key)
            {
                h.Add(Hash(v));
            }

            return h.ToHashCode();
        }
    }

    private string Kind => kind;

    private IReadOnlyList<int> ByIds => byIds;

    private long MaxGroups => maxGroups;

    private IReadOnlyList<AggregationPlan> Aggregations => aggregations;

    public Accumulator Begin() => new(this);

    private Dictionary<Value[], Group> Aggregate(IEnumerable<Row> input, List<Row>? keep)
    {
        var acc = Begin();
        foreach (var row in input)
        {
            keep?.Add(row);
            acc.Add(row);
        }

        return acc.Groups;
    }

    private IEnumerable<Row> Stats(IEnumerable<Row> input) => Emit(Aggregate(input, null));

    private IEnumerable<Row> Emit(Dictionary<Value[], Group> groups)
    {
        if (groups.Count == 0 && byIds.Count == 0)
        {
            groups[[]] = new Group([], NewStates());
        }

        var ordered = groups.Values.ToList();
        ordered.Sort(CompareGroups);

        foreach (var g in ordered)
        {
            var row = new Row(byIds.Count + aggregations.Count) { Evidence = g.Evidence };
            for (var i = 0; i < byIds.Count; i++)
            {
                row.Set(byIds[i], g.Key[i]);
            }

            for (var i = 0; i < aggregations.Count; i++)
            {
                row.Set(aggregations[i].OutputId, g.States[i].Result());
            }

            yield return row;
        }
    }

    private IEnumerable<Row> EventStats(IEnumerable<Row> input)
    {
        // eventstats holds every row until the last has been aggregated: charged to the search's budget.
        using var held = budget?.Hold("eventstats");
        var rows = held?.Rows ?? [];
        var groups = held is null ? Aggregate(input, rows) : Aggregate(Charged(input, held), null);
        held?.Emitting();
        foreach (var row in rows)
        {
            foreach (var key in Keys(row))
            {
                var g = groups[key];
                for (var i = 0; i < aggregations.Count; i++)
                {
                    row.Set(aggregations[i].OutputId, g.States[i].Result());
                }

                break; // a row takes the values of its first group
            }

            yield return row;
        }
    }

    private static IEnumerable<Row> Charged(IEnumerable<Row> input, HeldRows held)
    {
        foreach (var row in input)
        {
            held.Add(row);
            yield return row;
        }
    }


    /// <summary>streamstats' options; the defaults are Splunk's (all events, current included, one global window).</summary>
    public StreamStatsOptions Stream { get; init; } = StreamStatsOptions.Default;

    /// <summary>
    /// streamstats (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Streamstats):
    /// each row gets the aggregates of the rows before it in its by-group, itself included unless
    /// current=f. With window=N only the last N rows count (one window over all rows when global=t,
    /// one per group when global=f); time_window keeps the rows within that span of the current
    /// row's _time. reset_before, reset_after and reset_on_change forget everything seen so far.
    /// </summary>
    private IEnumerable<Row> StreamStats(IEnumerable<Row> input)
    {
        var o = Stream;
        var windowed = o.Window > 0 || o.TimeWindow is not null;
        var running = new Dictionary<Value[], Aggregator[]>(GroupKeyComparer.Instance);
        var window = new LinkedList<WindowEntry>();
        var perGroup = new Dictionary<Value[], LinkedList<WindowEntry>>(GroupKeyComparer.Instance);
        Value[]? lastKey = null;
        void Reset()
        {
            running.Clear();
            window.Clear();
            perGroup.Clear();
        }

        foreach (var row in input)
        {
            if (o.ResetBefore is { } before && IsTrue(before(row)))
            {
                Reset();
            }

            Value[]? key = null;
            foreach (var k in Keys(row))
            {
                key = k;
                break; // a row with a multivalue by-field counts in its first group
            }

            if (o.ResetOnChange && key is not null && byIds.Count > 0)
            {
                // Only rows that have every by field can change the group; the others are ignored.
                if (lastKey is not null && !GroupKeyComparer.Instance.Equals(lastKey, key))
                {
                    Reset();
                }

                lastKey = key;
            }

            if (key is not null)
            {
                var inputs = Inputs(row);
                Aggregator[] states;
                if (!windowed)
                {
                    if (!running.TryGetValue(key, out var acc))
                    {
                        acc = NewStates();
                        running[key] = acc;
                    }

                    if (o.Current)
                    {
                        FeedInputs(acc, inputs, row.Time);
                    }

                    states = acc;
                    SetOutputs(row, states);
                    if (!o.Current)
                    {
                        FeedInputs(acc, inputs, row.Time);
                    }
                }
                else
                {
                    var list = o.Global ? window : (perGroup.TryGetValue(key, out var g) ? g : perGroup[key] = new LinkedList<WindowEntry>());
                    if (o.TimeWindow is { } span)
                    {
                        // Rows more than the span away from this row's time have left the window.
                        while (list.First is { } oldest && Math.Abs(row.Time - oldest.Value.Time) >= span)
                        {
                            list.RemoveFirst();
                        }
                    }

                    states = NewStates();

                    // window=N counts the current row among the N when it is included.
                    var skip = o.Current && o.Window > 0 && list.Count >= o.Window ? list.Count - o.Window + 1 : 0;
                    foreach (var e in list)
                    {
                        if (skip > 0)
                        {
                            skip--;
                            continue;
                        }

                        if (GroupKeyComparer.Instance.Equals(e.Key, key))
                        {
                            FeedInputs(states, e.Inputs, e.Time);
                        }
                    }

                    if (o.Current)
                    {
                        FeedInputs(states, inputs, row.Time);
                    }

                    SetOutputs(row, states);
                    list.AddLast(new WindowEntry(key, inputs, row.Time));
                    var limit = o.Window > 0 ? o.Window : maxGroups;
                    if (list.Count > limit)
                    {
                        if (o.Window <= 0)
                        {
                            throw new SearchLimitException($"streamstats time_window holds more than {maxGroups} rows; narrow the window or the search");
                        }

                        list.RemoveFirst();
                    }
                }
            }

            if (o.ResetAfter is { } after && IsTrue(after(row)))
            {
                Reset();
            }

            yield return row;
        }
    }

    private static bool IsTrue(Value v) => v.IsBoolean ? v.RawBoolean : !v.IsNull && v.TryGetNumber(out var d) && d != 0;

    /// <summary>One row's inputs to each aggregation, kept instead of the row, which later commands may change.</summary>
    private sealed record WindowEntry(Value[] Key, Value[] Inputs, double Time);

    private Value[] Inputs(Row row)
    {
        var inputs = new Value[aggregations.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var a = aggregations[i];
            if (a.Input is null)
            {
                inputs[i] = Value.True;
                continue;
            }

            var v = a.Input(row);

            // count(eval(cond)) counts rows where cond holds; false counts as absent.
            inputs[i] = a.InputIsCondition && v.IsBoolean && !v.RawBoolean ? Value.Null : v;
        }

        return inputs;
    }

    private static void FeedInputs(Aggregator[] states, Value[] inputs, double time)
    {
        for (var i = 0; i < states.Length; i++)
        {
            if (!inputs[i].IsNull)
            {
                states[i].Add(inputs[i], time);
            }
        }
    }

    private void SetOutputs(Row row, Aggregator[] states)
    {
        for (var i = 0; i < aggregations.Count; i++)
        {
            row.Set(aggregations[i].OutputId, states[i].Result());
        }
    }
}

/// <summary>streamstats options (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Streamstats).</summary>
internal sealed record StreamStatsOptions(int Window, bool Current, bool Global, double? TimeWindow, bool ResetOnChange, CompiledExpr? ResetBefore, CompiledExpr? ResetAfter)
{
    public static readonly StreamStatsOptions Default = new(0, true, true, null, false, null, null);
}
