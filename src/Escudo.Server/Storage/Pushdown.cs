using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// Equality constraints a store can evaluate itself (in SQL): <c>field IN (values)</c> on a few
/// indexed columns. Always a superset of what the search wants; the engine re-applies the filter.
/// </summary>
public sealed record Pushdown(IReadOnlyDictionary<string, IReadOnlyList<string>> Equalities)
{
    public static readonly Pushdown None = new(new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>Fields the store has as columns, by the name a search uses.</summary>
    public static readonly IReadOnlySet<string> Columns = new HashSet<string>(StringComparer.Ordinal) { "index", "sourcetype", "source", "host", "EventCode" };

    public bool IsEmpty => Equalities.Count == 0;
}

/// <summary>
/// The column equalities implied by a scan's <see cref="ScanCondition"/> (built by the planner
/// from the parsed search): the condition read as an AND of terms, where a term <c>f=v</c> (no
/// wildcard), <c>f IN (...)</c>, or a group <c>(f=v1 OR f=v2)</c> on one column field is kept and
/// anything else (NOT, other fields, keywords, comparisons) is ignored, which only widens the
/// result. A top-level OR gives no pushdown at all.
/// </summary>
public static class PushdownAnalyzer
{
    public static Pushdown FromCondition(ScanCondition? condition)
    {
        IReadOnlyList<ScanCondition> terms = condition switch
        {
            null or ScanOr => [],
            ScanAnd all => all.Terms,
            _ => [condition],
        };
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var term in terms)
        {
            if (Values(term) is { } eq)
            {
                Add(result, eq.Field, eq.Values);
            }
        }

        return result.Count == 0 ? Pushdown.None : new Pushdown(result);
    }

    /// <summary>The column field and its values a term requires, or null.</summary>
    private static (string Field, IReadOnlyList<string> Values)? Values(ScanCondition term)
    {
        switch (term)
        {
            case ScanFieldMatch m when Pushdown.Columns.Contains(m.Field) && !m.HasWildcard:
                return (m.Field, m.Patterns);
            case ScanOr any when any.Terms.Count > 0:
                string? field = null;
                var values = new List<string>();
                foreach (var t in any.Terms)
                {
                    if (t is not ScanFieldMatch m || !Pushdown.Columns.Contains(m.Field) || m.HasWildcard || (field is not null && field != m.Field))
                    {
                        return null;
                    }

                    field = m.Field;
                    values.AddRange(m.Patterns);
                }

                return (field!, values);
            default:
                return null;
        }
    }

    private static void Add(Dictionary<string, IReadOnlyList<string>> result, string field, IReadOnlyList<string> values)
    {
        // Two constraints on one field are ANDed: keep the intersection.
        if (result.TryGetValue(field, out var existing))
        {
            result[field] = existing.Where(e => values.Any(v => string.Equals(e, v, StringComparison.OrdinalIgnoreCase))).ToList();
        }
        else
        {
            result[field] = values;
        }
    }
}
