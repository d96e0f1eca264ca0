using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Functions.Stats;

namespace Escudo.Spl.Execution.Operators;

/// <summary>One compiled aggregation: where its input comes from and where its result goes.</summary>
public sealed record AggregationPlan(AggregateFunction Function, CompiledExpr? Input, bool InputIsCondition, int OutputId, string OutputName);

/// <summary>
/// stats, eventstats and streamstats
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Stats): groups by the by
/// fields (a multivalue by-field puts the row in one group per value; a row whose by-field is
/// null joins no group), aggregates each group, and for stats emits one row per group sorted by
/// the group values. Without by fields, stats emits one row even over no input.
/// </summary>
public sealed class StatsOperator(string kind, IReadOnlyList<AggregationPlan> aggregations, IReadOnlyList<int> byIds, string description, long maxGroups) : Operator
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
        public IEnumerable<Row> Results() => _op.Emit(_groups);
    }

    /// <summary>Groups are told apart by the display text of their values, as Splunk's stats does.</summary>
    private sealed class GroupKeyComparer : IEqualityComparer<Value[]>
    {
        public static readonly GroupKeyComparer Instance = new();

        private static string Text(in Value v) => v.Kind == ValueKind.String ? v.RawString! : v.ToDisplayString();

        public bool Equals(Value[]? x, Value[]? y)
        {
            if (x is null || y is null || x.Length != y.Length)
            {
                return ReferenceEquals(x, y);
            }

            for (var i = 0; i < x.Length; i++)
            {
                if (!string.Equals(Text(x[i]), Text(y[i]), StringComparison.Ordinal))
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
                h.Add(Text(v), StringComparer.Ordinal);
            }

            return h.ToHashCode();
        }
    }

    private string Kind => kind;

    private IReadOnlyList<int> ByIds => byIds;

    private long MaxGroups => maxGroups;

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
        ordered.Sort((a, b) =>
        {
            for (var i = 0; i < a.Key.Length; i++)
            {
                var c = ValueComparer.Instance.Compare(a.Key[i], b.Key[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        });

        foreach (var g in ordered)
        {
            var row = new Row(byIds.Count + aggregations.Count);
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
        var rows = new List<Row>();
        var groups = Aggregate(input, rows);
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

    private IEnumerable<Row> StreamStats(IEnumerable<Row> input)
    {
        var groups = new Dictionary<Value[], Aggregator[]>(GroupKeyComparer.Instance);
        foreach (var row in input)
        {
            foreach (var key in Keys(row))
            {
                if (!groups.TryGetValue(key, out var states))
                {
                    states = NewStates();
                    groups[key] = states;
                }

                Feed(states, row);
                for (var i = 0; i < aggregations.Count; i++)
                {
                    row.Set(aggregations[i].OutputId, states[i].Result());
                }

                break;
            }

            yield return row;
        }
    }
}
