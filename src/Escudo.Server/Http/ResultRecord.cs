using Escudo.Core.Events;

namespace Escudo.Server.Http;

/// <summary>
/// One result as a search job keeps it: field names in result order and each value as Splunk
/// displays it (a string, or a string array for a multivalue). A copy, because the engine may
/// reuse its rows once the enumeration moves on.
/// </summary>
internal sealed record ResultRecord(string[] Names, object[] Values)
{
    public static ResultRecord From(Row row)
    {
        var names = new List<string>(row.Count);
        var values = new List<object>(row.Count);
        for (var i = 0; i < row.Count; i++)
        {
            var v = row.ValueAt(i);
            if (v.IsNull)
            {
                continue;
            }

            names.Add(row.NameAt(i));
            values.Add(v.IsMulti ? v.Items.ToArray() : v.ToDisplayString());
        }

        return new ResultRecord([.. names], [.. values]);
    }

    /// <summary>Field names in order of first appearance across <paramref name="rows"/>, as Splunk lists a result set's fields.</summary>
    public static List<string> FieldOrder(IEnumerable<ResultRecord> rows)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var r in rows)
        {
            foreach (var n in r.Names)
            {
                if (seen.Add(n))
                {
                    order.Add(n);
                }
            }
        }

        return order;
    }

    public object? Get(string name)
    {
        var i = Array.IndexOf(Names, name);
        return i < 0 ? null : Values[i];
    }
}
