using Escudo.Core.Storage;
using Escudo.Core.Time;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// The PREWHERE of an events scan: the conjuncts of its WHERE clause that read only the narrow
/// columns (time, index, sourcetype, source, host, EventCode, the <c>f_</c> field columns), not the
/// key/value arrays. ClickHouse 18.16 evaluates every term of an AND on every row (no short circuit),
/// and a term over the arrays (a lambda over each event's few dozen pairs) costs far more than one
/// over a column; with these terms in PREWHERE, it reads the arrays, <c>_raw</c> and <c>fields</c>,
/// and evaluates the WHERE, only for the rows that pass them. The WHERE keeps every term, so the
/// answer is exactly the WHERE's (each PREWHERE term is one of its conjuncts).
/// </summary>
internal static partial class ClickHouseSql
{
    /// <summary>The PREWHERE for a scan whose WHERE is <see cref="Where"/> of the same arguments ("1" when no conjunct qualifies).</summary>
    public static string Prewhere(TimeRange time, Pushdown pushdown, ScanCondition? condition)
    {
        var terms = new List<string>();
        if (Where(time, pushdown) is { } columns)
        {
            terms.Add(columns); // the time range and the column equalities: columns only
        }

        // Key guards (ClickHouseSql.KeyGuard.cs) only when no column narrows the scan: in PREWHERE,
        // 18.16 reads kv_key for every row of the range, which costs more than a lambda over the few
        // rows a column term lets through (measured both ways, bench/RESULTS.md §7c).
        var guards = new List<string>();
        var narrowed = !pushdown.IsEmpty;
        foreach (var term in Conjuncts(condition))
        {
            if (Wider(term) is not { } sql)
            {
                continue;
            }

            if (!sql.Contains("kv_key", StringComparison.Ordinal))
            {
                terms.Add(sql);
                narrowed = true;
            }
            else if (KeyGuard(term) is { } keys)
            {
                guards.Add(keys);
            }
        }

        if (!narrowed)
        {
            terms.AddRange(guards);
        }

        return terms.Count == 0 ? "1" : string.Join(" AND ", terms);
    }

    /// <summary>The terms of a condition's top-level AND (nested ANDs flattened); the condition itself otherwise.</summary>
    private static IEnumerable<ScanCondition> Conjuncts(ScanCondition? condition) => condition switch
    {
        null => [],
        ScanAnd a => a.Terms.SelectMany(Conjuncts),
        _ => [condition],
    };
}
