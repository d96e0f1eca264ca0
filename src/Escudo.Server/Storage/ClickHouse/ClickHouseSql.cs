using System.Text;
using Escudo.Core.Time;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// The WHERE clause of an events scan: the time range and the pushdown's equalities, each only
/// where the SQL is exactly Splunk's rule or wider (the engine re-applies the whole filter).
/// </summary>
internal static class ClickHouseSql
{
    /// <summary>The condition, or null when the constraints contradict each other (nothing can match).</summary>
    public static string? Where(TimeRange time, Pushdown pushdown)
    {
        var sql = new StringBuilder("1");
        if (time.Earliest is { } e)
        {
            sql.Append(" AND _time >= ").Append(Sql.Number(e));
        }

        if (time.Latest is { } l)
        {
            sql.Append(" AND _time < ").Append(Sql.Number(l));
        }

        foreach (var (field, values) in pushdown.Equalities)
        {
            if (values.Count == 0)
            {
                return null;
            }

            var column = field switch
            {
                "index" => "idx",
                "EventCode" => "event_code",
                _ => field,
            };
            if (field == "EventCode")
            {
                sql.Append(" AND event_code IN (").AppendJoin(", ", values.Select(Sql.Literal)).Append(')');
            }
            else if (values.All(IsAscii))
            {
                // Splunk compares field values without regard to case. lowerUTF8 and .NET's invariant
                // lower case agree on ASCII; other text is left to the engine (a wider scan, never a narrower one).
                sql.Append(" AND lowerUTF8(").Append(column).Append(") IN (").AppendJoin(", ", values.Select(v => Sql.Literal(v.ToLowerInvariant()))).Append(')');
            }
        }

        return sql.ToString();
    }

    private static bool IsAscii(string s) => s.All(char.IsAscii);
}
