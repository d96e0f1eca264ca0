using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Functions.Stats;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// timechart (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Timechart):
/// buckets _time by span (default 1 hour here), aggregates per bucket, and with a by field puts
/// each of its values (the `limit` most frequent, the rest as OTHER; limit=0 keeps all) in its
/// own column; empty buckets between the first and last are filled, count-like columns with 0.
/// </summary>
internal sealed class TimechartOperator(TimechartCommand t, double span, IReadOnlyList<AggregationPlan> aggs, SearchBudget budget) : Operator
{
    private readonly int _byId = t.By is null ? -1 : FieldTable.Intern(t.By);

    public override string Describe() => "timechart";

    // Aggregates everything when the pipeline is built, as the command always has.
    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        var cells = Aggregate(input, totals);
        var keep = t.Limit <= 0 ? totals.Keys.ToHashSet(StringComparer.Ordinal) : totals.OrderByDescending(kv => kv.Value).Take(t.Limit).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var columns = totals.Keys.Where(keep.Contains).Order(StringComparer.Ordinal).ToList();
        if (keep.Count < totals.Count)
        {
            columns.Add("OTHER");
        }

        var output = new List<Row>();
        if (cells.Count == 0)
        {
            return output;
        }

        // Empty buckets are filled between the first and the last, up to Splunk's default result
        // limit (maxresultrows 50,000); past that only buckets with events are kept.
        var first = cells.Keys.First();
        var last = cells.Keys.Last();
        var fill = (last - first) / span < 50_000;
        IEnumerable<double> buckets = fill ? Buckets(first, last, span) : cells.Keys;
        foreach (var b in buckets)
        {
            cells.TryGetValue(b, out var bySeries);
            output.Add(BucketRow(b, bySeries, columns, keep));
        }

        return output;
    }

    /// <summary>Each row's aggregate states, by bucket and series; counts rows per series in <paramref name="totals"/>.</summary>
    private SortedDictionary<double, Dictionary<string, Aggregator[]>> Aggregate(IEnumerable<Row> rows, Dictionary<string, long> totals)
    {
        var cells = new SortedDictionary<double, Dictionary<string, Aggregator[]>>();
        long held = 0;
        foreach (var r in rows)
        {
            var time = r.Time;
            if (double.IsNaN(time))
            {
                continue;
            }

            var bucket = Math.Floor(time / span) * span;
            var series = _byId < 0 ? string.Empty : r.Get(_byId).FirstString() ?? "NULL";
            if (!cells.TryGetValue(bucket, out var bySeries))
            {
                cells[bucket] = bySeries = new Dictionary<string, Aggregator[]>(StringComparer.Ordinal);
            }

            if (!bySeries.TryGetValue(series, out var states))
            {
                budget.CheckHeld(++held, "timechart"); // one cell a bucket and series, kept to the end
                bySeries[series] = states = aggs.Select(a => a.Function.Create()).ToArray();
            }

            totals[series] = totals.GetValueOrDefault(series) + 1;
            for (var i = 0; i < aggs.Count; i++)
            {
                var v = aggs[i].Input is null ? Value.True : aggs[i].Input!(r);
                if (!v.IsNull)
                {
                    states[i].Add(v, time);
                }
            }
        }

        return cells;
    }

    private Row BucketRow(double bucket, Dictionary<string, Aggregator[]>? bySeries, List<string> columns, HashSet<string> keep)
    {
        var row = new Row();
        row.Set(FieldTable.Time, Value.FromNumber(bucket));
        foreach (var col in columns)
        {
            for (var i = 0; i < aggs.Count; i++)
            {
                var name = _byId < 0 ? aggs[i].OutputName : aggs.Count == 1 ? col : $"{aggs[i].OutputName}: {col}";
                Value v = Value.Null;
                if (bySeries is not null)
                {
                    if (col == "OTHER")
                    {
                        var sum = bySeries.Where(kv => !keep.Contains(kv.Key)).Sum(kv => kv.Value[i].Result().TryGetNumber(out var d) ? d : 0);
                        v = Value.FromNumber(sum);
                    }
                    else if (bySeries.TryGetValue(col, out var states))
                    {
                        v = states[i].Result();
                    }
                }

                if (v.IsNull && aggs[i].Function.Name is "count" or "c" or "dc" or "distinct_count" or "sum")
                {
                    v = Value.FromNumber(0);
                }

                row.Set(FieldTable.Intern(name), v);
            }
        }

        return row;
    }

    private static IEnumerable<double> Buckets(double first, double last, double span)
    {
        for (var b = first; b <= last; b += span)
        {
            yield return b;
        }
    }
}
