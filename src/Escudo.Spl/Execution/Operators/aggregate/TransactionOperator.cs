using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// transaction (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Transaction):
/// groups events sharing the field values, in time order, closing a group on maxspan, maxpause,
/// maxevents, or startswith/endswith; each group becomes one row with duration and eventcount,
/// multivalue unions of the fields, and _time of its first event.
/// </summary>
internal sealed class TransactionOperator(TransactionCommand t, Func<Row, bool>? starts, Func<Row, bool>? ends, SearchContext context) : Operator
{
    private readonly int[] _ids = t.Fields.Select(FieldTable.Intern).ToArray();
    private readonly int _durationId = FieldTable.Intern("duration");
    private readonly int _countId = FieldTable.Intern("eventcount");

    public override string Describe() => "transaction " + string.Join(" ", t.Fields);

    // Groups everything when the pipeline is built, as the command always has.
    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        using var held = context.Budget.Hold("transaction");
        held.AddAll(input.Where(r => !double.IsNaN(r.Time)));
        var done = Group(held.Rows.OrderBy(r => r.Time).ToList());

        // Transactions come out newest first, by the time of their first event, as events do.
        return done.OrderByDescending(g => g[0].Time).Select(ToRow).ToList();
    }

    private List<List<Row>> Group(List<Row> sorted)
    {
        var open = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        var done = new List<List<Row>>();
        foreach (var r in sorted)
        {
            var key = _ids.Length == 0 ? string.Empty : RowKey.Of(r, _ids);
            if (key is null)
            {
                continue;
            }

            if (open.TryGetValue(key, out var g))
            {
                var first = g[0].Time;
                var last = g[^1].Time;
                var close = (t.MaxSpan is { } ms && r.Time - first > ms)
                    || (t.MaxPause is { } mp && r.Time - last > mp)
                    || (t.MaxEvents is { } me && me > 0 && g.Count >= me)
                    || (starts is not null && starts(r));
                if (close)
                {
                    done.Add(g);
                    open.Remove(key);
                    g = null;
                }
            }

            if (g is null)
            {
                if (starts is not null && !starts(r))
                {
                    continue;
                }

                g = [];
                open[key] = g;
            }

            g.Add(r);
            if (ends is not null && ends(r))
            {
                done.Add(g);
                open.Remove(key);
            }
        }

        if (ends is null || t.KeepEvicted)
        {
            done.AddRange(open.Values);
        }

        return done;
    }

    private Row ToRow(List<Row> g)
    {
        var row = new Row();
        var order = new List<int>();
        var values = new Dictionary<int, List<string>>();
        var evidence = new Evidence(); // a transaction stands for all its events
        foreach (var e in g)
        {
            evidence.Add(e);
            for (var i = 0; i < e.Count; i++)
            {
                var id = e.IdAt(i);
                if (id == FieldTable.Time)
                {
                    continue;
                }

                if (!values.TryGetValue(id, out var list))
                {
                    values[id] = list = [];
                    order.Add(id);
                }

                foreach (var item in e.ValueAt(i).Items)
                {
                    if (id == FieldTable.Raw || t.MvList || !list.Contains(item))
                    {
                        list.Add(item);
                    }
                }
            }
        }

        row.Set(FieldTable.Time, Value.FromNumber(g[0].Time));
        foreach (var id in order)
        {
            var list = values[id];
            if (id != FieldTable.Raw && !t.MvList)
            {
                // mvlist=false (the default): each field's values are a set, in lexicographic order.
                list.Sort(StringComparer.Ordinal);
            }

            row.Set(id, id == FieldTable.Raw ? Value.FromString(string.Join('\n', list)) : Value.FromMulti(list));
        }

        row.Set(_durationId, Value.FromNumber(g[^1].Time - g[0].Time));
        row.Set(_countId, Value.FromNumber(g.Count));
        row.Evidence = evidence;
        return row;
    }
}
