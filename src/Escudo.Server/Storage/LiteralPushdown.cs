namespace Escudo.Server.Storage;

/// <summary>
/// A scan's necessary literals (<see cref="Escudo.Core.Storage.ScanRequest.RequiredLiterals"/>:
/// one of these fields has a value containing its text, ignoring case) as a DuckDB condition on
/// the stored text, so a selective search decodes only the rows that can match instead of all of
/// them. Every field but <c>_raw</c> is in the <c>fields</c> JSON (<see cref="RowCodec"/>), or for
/// a row stored as an <see cref="XmlRowRecipe"/> in <c>_raw</c> or the recipe's list of the rest, and
/// <c>_raw</c> has its own column, so "the column's text contains the literal" is a superset of
/// "the field contains it" when the literal reads the same in JSON and in the value's display:
/// printable ASCII without <c>"</c> or <c>\</c> (which JSON escapes), and at least one character
/// a number's display cannot hold (numbers are written by JSON's rules, not Splunk's). The engine
/// matches ignoring case ordinally (upper-casing each character): in ASCII that is DuckDB's
/// <c>lower</c>, and the only other characters that upper-case into ASCII are U+0131 (ı → I) and
/// U+017F (ſ → S), so a row holding one of them is kept whenever the literal has an i or an s.
/// When any alternative cannot be expressed, nothing is pushed.
/// </summary>
internal static class LiteralPushdown
{
    public static string? Clause(IReadOnlyList<(string Field, string Literal)>? literals, Func<string, string> parameter)
    {
        if (literals is not { Count: > 0 })
        {
            return null;
        }

        var terms = new List<string>();
        foreach (var (field, literal) in literals)
        {
            if (!Pushable(literal) || (field.StartsWith('_') && field != "_raw"))
            {
                return null;
            }

            var lower = literal.ToLowerInvariant();
            if (field == "_raw")
            {
                terms.Add(Contains("_raw", lower, parameter));
                continue;
            }

            terms.Add(Contains("fields", lower, parameter));

            // A row stored as an XmlRowRecipe (fields a JSON array) has its fields' text in _raw, or in the recipe where _raw does not hold it.
            terms.Add($"(starts_with(fields, '[') AND {Contains("_raw", lower, parameter)})");
        }

        return "(" + string.Join(" OR ", terms) + ")";
    }

    /// <summary>The column's text contains the lower-cased literal, ignoring case as the engine does.</summary>
    private static string Contains(string column, string lower, Func<string, string> parameter)
    {
        var terms = new List<string> { $"contains(lower({column}), {parameter(lower)})" };
        if (lower.Contains('i', StringComparison.Ordinal))
        {
            terms.Add($"contains({column}, {parameter("\u0131")})");
        }

        if (lower.Contains('s', StringComparison.Ordinal))
        {
            terms.Add($"contains({column}, {parameter("\u017F")})");
        }

        return "(" + string.Join(" OR ", terms) + ")";
    }

    private static bool Pushable(string literal) =>
        literal.Length > 0
        && literal.All(c => c is >= ' ' and <= '~' and not '"' and not '\\')
        && literal.Any(c => !(char.IsAsciiDigit(c) || c is '.' or '-' or '+' or 'e' or 'E'));
}
