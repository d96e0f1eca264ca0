using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Functions.Stats;

namespace Escudo.Spl.Execution.Operators;

internal sealed partial class StatsOperator
{
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
                if (!windowed)
                {
                    StreamRunning(running, key, inputs, row, o.Current);
                }
                else
                {
                    var list = o.Global ? window : (perGroup.TryGetValue(key, out var g) ? g : perGroup[key] = NewGroup(perGroup.Count));
                    StreamWindowed(list, key, inputs, row, o);
                }
            }

            if (o.ResetAfter is { } after && IsTrue(after(row)))
            {
                Reset();
            }

            yield return row;
        }
    }

    /// <summary>A new by-group's window list; every group's states are kept to the end, so their number is bounded.</summary>
    private LinkedList<WindowEntry> NewGroup(int groupsSoFar)
    {
        CheckGroups(groupsSoFar + 1);
        return new LinkedList<WindowEntry>();
    }

    private void CheckGroups(long groups)
    {
        if (groups > maxGroups)
        {
            throw new SearchLimitException($"streamstats would hold more than {maxGroups.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} by-groups in memory, this search's limit (max rows in memory); narrow the search or raise the limit (escudo search --max-rows-in-memory, serve config searchMaxRowsInMemory)");
        }
    }

    /// <summary>Without a window: the group's running states, read before or after the row is added (current=f or t).</summary>
    private void StreamRunning(Dictionary<Value[], Aggregator[]> running, Value[] key, Value[] inputs, Row row, bool current)
    {
        if (!running.TryGetValue(key, out var acc))
        {
            CheckGroups(running.Count + 1);
            acc = NewStates();
            running[key] = acc;
        }

        if (current)
        {
            FeedInputs(acc, inputs, row.Time);
        }

        SetOutputs(row, acc);
        if (!current)
        {
            FeedInputs(acc, inputs, row.Time);
        }
    }

    /// <summary>With window=N or time_window: fresh states over the rows of the group still in the window, then the row joins the window.</summary>
    private void StreamWindowed(LinkedList<WindowEntry> list, Value[] key, Value[] inputs, Row row, StreamStatsOptions o)
    {
        if (o.TimeWindow is { } span)
        {
            // Rows more than the span away from this row's time have left the window.
            while (list.First is { } oldest && Math.Abs(row.Time - oldest.Value.Time) >= span)
            {
                list.RemoveFirst();
            }
        }

        var states = NewStates();

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
