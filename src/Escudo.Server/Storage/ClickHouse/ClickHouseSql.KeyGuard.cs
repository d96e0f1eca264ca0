using Escudo.Core.Storage;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// A PREWHERE term for a conjunct over the key/value arrays: the same condition with each
/// <c>arrayExists((k, v) -> k = 'F' AND ..., kv_key, kv_value)</c> replaced by <c>has(kv_key, 'F')</c>
/// (the event has field F at all), which every event the conjunct accepts passes. ClickHouse 18.16
/// evaluates a lambda over every pair of every row the WHERE reads (about 50 pairs per event in
/// the NXLog-flattened recordings), and <c>has</c> only reads the keys: a scan for an Okta field over
/// the 185,000 events of one shard took 33.5 s with the lambda alone and 1.4 s with this term in
/// PREWHERE, under the same load (bench/RESULTS.md §7c). The WHERE keeps the conjunct, so the answer is unchanged.
/// </summary>
internal static partial class ClickHouseSql
{
    /// <summary>SQL over the key array and the narrow columns, true for every event <see cref="Wider"/> of the condition accepts; null when nothing cheaper is known.</summary>
    internal static string? KeyGuard(ScanCondition c)
    {
        switch (c)
        {
            case ScanAnd a:
                var parts = a.Terms.Select(KeyGuard).OfType<string>().ToList();
                return parts.Count == 0 ? null : "(" + string.Join(" AND ", parts) + ")";
            case ScanOr o:
                // Each alternative must imply its guard; one without a guard (any event) leaves the OR without one.
                var any = o.Terms.Select(KeyGuard).ToList();
                return any.Count == 0 || any.Any(p => p is null) ? null : "(" + string.Join(" OR ", any) + ")";
            case ScanFieldMatch m when Wider(m) is { } sql:
                if (!sql.Contains("kv_key", StringComparison.Ordinal))
                {
                    return sql; // a column's own test: already cheap
                }

                // A field with a column holds a single value there ('' when absent; no translated pattern matches ''), else in the arrays.
                var present = "has(kv_key, " + Sql.Literal(m.Field) + ")";
                return ClickHouseSchema.FieldColumns.Contains(m.Field) ? $"(f_{m.Field} != '' OR {present})" : present;
            default:
                return null; // NOT (its operand's keys may be absent), keywords, comparisons
        }
    }
}
