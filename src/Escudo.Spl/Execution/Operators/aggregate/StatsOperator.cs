using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Functions.Stats;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// stats, eventstats and streamstats
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Stats): groups by the by
/// fields (a multivalue by-field puts the row in one group per value; a row whose by-field is
/// null joins no group), aggregates each group, and for stats emits one row per group sorted by
/// the group values. Without by fields, stats emits one row even over no input.
/// </summary>
internal sealed partial class StatsOperator(string kind, IReadOnlyList<AggregationPlan> aggregations, IReadOnlyList<int> byIds, string description, long maxGroups, SearchBudget? budget = null) : Operator
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
}
