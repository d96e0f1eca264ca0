using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Functions.Stats;

namespace Escudo.Spl.Execution.Operators;

internal sealed partial class StatsOperator
{
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
}
