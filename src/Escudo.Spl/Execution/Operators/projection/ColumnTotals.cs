using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// <c>addtotals col=true</c>: after the results, one more result holding the sum of each numeric
/// field, and the label in <c>labelfield</c> when one is named
/// (https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/addtotals).
/// Only the sums are held, one per field, so the results stream through.
/// </summary>
internal static class ColumnTotals
{
    public static IEnumerable<Row> Run(IEnumerable<Row> rows, FieldPattern[] fields, string? labelField, string label)
    {
        var order = new List<int>();
        var sums = new Dictionary<int, double>();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Count; i++)
            {
                var name = row.NameAt(i);
                if (name.StartsWith('_') || (fields.Length > 0 && !fields.Any(p => p.IsMatch(name))) || !row.ValueAt(i).TryGetNumber(out var d))
                {
                    continue;
                }

                var id = row.IdAt(i);
                if (sums.TryGetValue(id, out var sum))
                {
                    sums[id] = sum + d;
                }
                else
                {
                    order.Add(id);
                    sums[id] = d;
                }
            }

            yield return row;
        }

        var summary = new Row(order.Count + 1);
        foreach (var id in order)
        {
            summary.Set(id, Value.FromNumber(sums[id]));
        }

        if (labelField is not null)
        {
            summary.Set(labelField, Value.FromString(label));
        }

        yield return summary;
    }
}
