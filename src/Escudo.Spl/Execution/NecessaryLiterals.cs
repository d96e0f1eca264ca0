using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution;

/// <summary>
/// A necessary condition of a search expression, as text that must occur in a field: "one of
/// these fields contains (ignoring case) its literal". <c>process_name=cmd.exe</c> needs
/// <c>cmd.exe</c> in process_name; <c>registry_path="*\Run\*"</c> needs <c>\Run\</c> in
/// registry_path. A row none of whose literals occur cannot match, so the shared pass finds all
/// literals of all detections in one scan of each field (an Aho-Corasick automaton) and skips the
/// detections whose literals are absent. Only comparisons whose match implies the substring are
/// used: wildcard and plain text values compared with <c>=</c>, <c>IN</c>; never numbers (they
/// compare numerically), CIDR ranges, <c>!=</c>, NOT, time modifiers or index.
/// </summary>
internal static class NecessaryLiterals
{
    /// <summary>The (field, literal) alternatives one of which every matching row has, or null when none can be derived.</summary>
    public static IReadOnlyList<(string Field, string Literal)>? Of(SearchExpr? e)
    {
        switch (e)
        {
            case SearchCompare c when c.Op == "=":
                return Literal(c.Field, c.Value, c.Quoted) is { } lit ? [(c.Field, lit)] : null;
            case SearchIn i when i.Values.Count > 0:
                {
                    var all = new List<(string, string)>();
                    foreach (var v in i.Values)
                    {
                        if (v.Length == 0)
                        {
                            continue; // an empty value matches nothing (see the IN compiler)
                        }

                        if (Literal(i.Field, v, true) is not { } text)
                        {
                            return null;
                        }

                        all.Add((i.Field, text));
                    }

                    return all.Count > 0 ? all : null;
                }

            case SearchOr or:
                {
                    var all = new List<(string, string)>();
                    foreach (var t in or.Terms)
                    {
                        if (Of(t) is not { } part)
                        {
                            return null;
                        }

                        all.AddRange(part);
                    }

                    return all;
                }

            case SearchAnd and:
                {
                    // Any conjunct's condition is necessary; the one with the longest shortest literal is the most selective.
                    IReadOnlyList<(string Field, string Literal)>? best = null;
                    foreach (var t in and.Terms)
                    {
                        if (Of(t) is { } part && (best is null || Score(part) > Score(best)))
                        {
                            best = part;
                        }
                    }

                    return best;
                }

            default:
                return null;
        }
    }

    private static double Score(IReadOnlyList<(string Field, string Literal)> set) =>
        set.Min(x => x.Literal.Length) - (set.Count / 1000.0);

    private static string? Literal(string field, string value, bool quoted)
    {
        if (field.Contains('*') || field.Equals("index", StringComparison.OrdinalIgnoreCase) || SearchPredicateCompiler.IsTimeModifier(field))
        {
            return null;
        }

        if (value == "*" && !quoted)
        {
            return null; // field=* only asks that the field exist
        }

        if (!value.Contains('*'))
        {
            // Numbers compare as numbers (1 equals 1.0) and CIDR values match addresses, not text.
            if ((Value.TryParseNumber(value, out _) && !value.Contains(' ')) || (value.Contains('/') && System.Net.IPNetwork.TryParse(value, out _)))
            {
                return null;
            }

            return value.Length > 0 ? value : null;
        }

        string? longest = null;
        foreach (var seg in value.Split('*'))
        {
            if (seg.Length > (longest?.Length ?? 0))
            {
                longest = seg;
            }
        }

        return longest;
    }
}
