using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning;

/// <summary>
/// accum, delta, autoregress (values across consecutive results, in the order they arrive), nomv,
/// untable and xyseries. State lives inside each run, so a plan run twice starts afresh.
/// </summary>
internal sealed partial class Planner
{
    /// <summary>
    /// accum (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Accum): the
    /// running total of the field's numeric values, in the field itself or in AS newfield; a result
    /// whose value is not a number gets no total and does not change it.
    /// </summary>
    private static Operator PlanAccum(AccumCommand a)
    {
        var from = FieldTable.Intern(a.Field);
        var to = FieldTable.Intern(a.Alias ?? a.Field);
        return new DelegateOperator($"accum {a.Field}", rows => Run(rows), mutates: true);

        IEnumerable<Row> Run(IEnumerable<Row> rows)
        {
            var total = 0.0;
            foreach (var r in rows)
            {
                if (r.Get(from).TryGetNumber(out var v))
                {
                    total += v;
                    r.Set(to, Value.FromNumber(total));
                }

                yield return r;
            }
        }
    }

    /// <summary>
    /// delta (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Delta): the
    /// field's value minus its value p results earlier (p=1 by default), into AS newfield or
    /// <c>delta(field)</c>; the first p results, and any where either value is not a number, get none.
    /// </summary>
    private static Operator PlanDelta(DeltaCommand d)
    {
        var from = FieldTable.Intern(d.Field);
        var to = FieldTable.Intern(d.Alias ?? $"delta({d.Field})");
        return new DelegateOperator($"delta {d.Field} p={d.Period}", rows => Run(rows), mutates: true);

        IEnumerable<Row> Run(IEnumerable<Row> rows)
        {
            var previous = new Queue<Value>();
            foreach (var r in rows)
            {
                var current = r.Get(from);
                if (previous.Count == d.Period)
                {
                    var earlier = previous.Dequeue();
                    if (current.TryGetNumber(out var now) && earlier.TryGetNumber(out var then))
                    {
                        r.Set(to, Value.FromNumber(now - then));
                    }
                }

                previous.Enqueue(current);
                yield return r;
            }
        }
    }

    /// <summary>
    /// autoregress (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Autoregress):
    /// copies the field's value from p results earlier into AS newfield or <c>field_pN</c>, one
    /// field per N of a range p=N-M; results without such an earlier value get none.
    /// </summary>
    private static Operator PlanAutoregress(AutoregressCommand a)
    {
        var from = FieldTable.Intern(a.Field);
        var targets = Enumerable.Range(a.From, a.To - a.From + 1)
            .Select(n => (Back: n, Id: FieldTable.Intern(a.Alias ?? $"{a.Field}_p{n}")))
            .ToArray();
        return new DelegateOperator($"autoregress {a.Field} p={a.From}-{a.To}", rows => Run(rows), mutates: true);

        IEnumerable<Row> Run(IEnumerable<Row> rows)
        {
            var history = new List<Value>(); // newest last, at most a.To values
            foreach (var r in rows)
            {
                var current = r.Get(from);
                foreach (var (back, id) in targets)
                {
                    if (history.Count >= back && history[^back] is { IsNull: false } earlier)
                    {
                        r.Set(id, earlier);
                    }
                }

                history.Add(current);
                if (history.Count > a.To)
                {
                    history.RemoveAt(0);
                }

                yield return r;
            }
        }
    }

    /// <summary>nomv (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Nomv): a multivalue field becomes one value, its values separated by new lines.</summary>
    private static Operator PlanNomv(NomvCommand n)
    {
        var id = FieldTable.Intern(n.Field);
        return new RowMapOperator($"nomv {n.Field}", row =>
        {
            var v = row.Get(id);
            if (v.IsMulti)
            {
                row.Set(id, Value.FromString(string.Join('\n', v.Items.ToArray())));
            }
        });
    }

    /// <summary>
    /// untable (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Untable): each
    /// result becomes one result per other non-null field: x-field's value, the field's name in
    /// y-name-field and its value in y-data-field, fields in the result's order.
    /// </summary>
    private Operator PlanUntable(UntableCommand u)
    {
        var x = FieldTable.Intern(u.XField);
        var name = FieldTable.Intern(u.NameField);
        var data = FieldTable.Intern(u.DataField);
        return new DelegateOperator($"untable {u.XField} {u.NameField} {u.DataField}", rows => Run(rows));

        IEnumerable<Row> Run(IEnumerable<Row> rows)
        {
            foreach (var r in rows)
            {
                var xValue = r.Get(x);
                for (var i = 0; i < r.Count; i++)
                {
                    var id = r.IdAt(i);
                    var v = r.ValueAt(i);
                    if (id == x || v.IsNull || FieldTable.NameOf(id).StartsWith('_'))
                    {
                        continue; // internal fields (_time, _raw) are not table columns
                    }

                    var row = new Row(3);
                    row.Set(x, xValue);
                    row.Set(name, Value.FromString(FieldTable.NameOf(id)));
                    row.Set(data, v);
                    yield return row;
                }
            }
        }
    }

    /// <summary>
    /// xyseries (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Xyseries): one
    /// result per x-field value, with a column per y-name-field value holding its y-data-field
    /// value (the last one seen when a pair repeats); results missing any of the three are left out.
    /// </summary>
    private Operator PlanXySeries(XySeriesCommand s)
    {
        var x = FieldTable.Intern(s.XField);
        var name = FieldTable.Intern(s.NameField);
        var data = FieldTable.Intern(s.DataField);
        var limit = Context.MaxRowsInMemory;
        return new DelegateOperator($"xyseries {s.XField} {s.NameField} {s.DataField}", rows => Run(rows));

        IEnumerable<Row> Run(IEnumerable<Row> rows)
        {
            var byX = new Dictionary<string, Row>(StringComparer.Ordinal);
            var order = new List<Row>();
            foreach (var r in rows)
            {
                var xValue = r.Get(x);
                var column = r.Get(name).FirstString();
                var value = r.Get(data);
                if (xValue.IsNull || string.IsNullOrEmpty(column) || value.IsNull)
                {
                    continue;
                }

                var key = xValue.ToDisplayString();
                if (!byX.TryGetValue(key, out var row))
                {
                    if (byX.Count >= limit)
                    {
                        throw new SearchLimitException($"xyseries holds more than {limit} rows; narrow the search");
                    }

                    row = new Row();
                    row.Set(x, xValue);
                    byX[key] = row;
                    order.Add(row);
                }

                row.Set(FieldTable.Intern(column), value);
            }

            return order;
        }
    }
}
