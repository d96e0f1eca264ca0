using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>top/rare: counts of each value combination, with percent of all events, most (or least) frequent first.</summary>
internal sealed class TopOperator(TopCommand t, SearchBudget budget) : Operator
{
    private readonly int[] _fieldIds = t.Fields.Select(FieldTable.Intern).ToArray();
    private readonly int[] _byIds = t.By.Select(FieldTable.Intern).ToArray();
    private readonly int _countId = FieldTable.Intern(t.CountField);
    private readonly int _percentId = FieldTable.Intern(t.PercentField);

    public override string Describe() => (t.Rare ? "rare " : "top ") + string.Join(" ", t.Fields);

    // Counts everything when the pipeline is built, as the command always has.
    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => Output(Count(input));

    private Dictionary<string, (Value[] By, Dictionary<string, (Value[] Vals, long N)> Counts, long Total)> Count(IEnumerable<Row> rows)
    {
        var groups = new Dictionary<string, (Value[] By, Dictionary<string, (Value[] Vals, long N)> Counts, long Total)>(StringComparer.Ordinal);
        long combinations = 0;
        foreach (var r in rows)
        {
            var by = _byIds.Select(r.Get).ToArray();
            if (by.Any(v => v.IsNull))
            {
                continue;
            }

            var vals = _fieldIds.Select(r.Get).ToArray();
            if (vals.Any(v => v.IsNull))
            {
                continue;
            }

            var bk = string.Join('\u0001', by.Select(v => v.ToDisplayString()));
            if (!groups.TryGetValue(bk, out var g))
            {
                g = (by, new Dictionary<string, (Value[], long)>(StringComparer.Ordinal), 0);
            }

            var vk = string.Join('\u0001', vals.Select(v => v.ToDisplayString()));
            if (!g.Counts.TryGetValue(vk, out var c))
            {
                budget.CheckHeld(++combinations, t.Rare ? "rare" : "top");
            }

            g.Counts[vk] = (vals, c.N + 1);
            g.Total++;
            groups[bk] = g;
        }

        return groups;
    }

    private List<Row> Output(Dictionary<string, (Value[] By, Dictionary<string, (Value[] Vals, long N)> Counts, long Total)> groups)
    {
        var output = new List<Row>();
        foreach (var g in groups.Values)
        {
            var ordered = t.Rare ? g.Counts.Values.OrderBy(c => c.N) : g.Counts.Values.OrderByDescending(c => c.N);
            foreach (var (vals, n) in ordered.Take(t.Limit))
            {
                var row = new Row();
                for (var i = 0; i < _byIds.Length; i++)
                {
                    row.Set(_byIds[i], g.By[i]);
                }

                for (var i = 0; i < _fieldIds.Length; i++)
                {
                    row.Set(_fieldIds[i], vals[i]);
                }

                if (t.ShowCount)
                {
                    row.Set(_countId, Value.FromNumber(n));
                }

                if (t.ShowPercent)
                {
                    row.Set(_percentId, Value.FromString((100.0 * n / g.Total).ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture)));
                }

                output.Add(row);
            }
        }

        return output;
    }
}
