using System.Text;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// The WHERE clause of an events scan: the time range, the column equalities (as the embedded
/// store has them) and the planner's <see cref="ScanCondition"/>, each only where the SQL is
/// exactly Splunk's rule or, outside a NOT, wider (the engine re-applies the whole filter).
/// A field match becomes SQL only for text patterns in ASCII (compared as <see cref="Match"/> says), never for numbers (Splunk's <c>EventID=3</c> matches "03") or CIDR;
/// <c>*</c> becomes a re2 <c>.*</c> over the whole value, lower-cased on both sides.
/// </summary>
internal static partial class ClickHouseSql
{
    /// <summary>The condition, or null when the constraints contradict each other (nothing can match).</summary>
    public static string? Where(TimeRange time, Pushdown pushdown, ScanCondition? condition = null)
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
                // Non-ASCII text is left to the engine: a wider scan, never a narrower one. host_lc is
                // lowerUTF8(host), materialized: a column of the events' key (ClickHouseEventsOrder).
                sql.Append(" AND ").Append(column == "host" ? "host_lc" : "lowerUTF8(" + column + ")").Append(" IN (").AppendJoin(", ", values.Select(v => Sql.Literal(v.ToLowerInvariant()))).Append(')');
            }
        }

        if (condition is not null && Wider(condition) is { } c)
        {
            sql.Append(" AND ").Append(c);
        }

        return sql.ToString();
    }

    /// <summary>
    /// Whether the whole condition is translated (nothing dropped as unknown): the share reported
    /// by the differential test. The SQL is then exact except on values holding non-ASCII text, which it keeps for the engine.
    /// </summary>
    public static bool IsExact(ScanCondition c) => c switch
    {
        ScanAnd a => a.Terms.All(IsExact),
        ScanOr o => o.Terms.All(IsExact),
        ScanNot n => IsExact(n.Operand),
        ScanFieldMatch m => m.Patterns.All(Translatable) && m.Field != "EventCode" && !m.Field.StartsWith('_') && (m.Field == "index" || !m.Field.Equals("index", StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };

    /// <summary>SQL true for every event the condition accepts, perhaps more (null: no constraint).</summary>
    internal static string? Wider(ScanCondition c) => Wider(c, Match);

    /// <summary>SQL true only for events the condition accepts, perhaps fewer ("0" when nothing is known): the operand of a NOT.</summary>
    internal static string Narrower(ScanCondition c) => Narrower(c, Match);

    /// <summary><see cref="Wider(ScanCondition)"/> with each field match translated by <paramref name="match"/> (wider: true; null when it cannot).</summary>
    internal static string? Wider(ScanCondition c, Func<ScanFieldMatch, bool, string?> match)
    {
        switch (c)
        {
            case ScanAnd a:
                var parts = a.Terms.Select(t => Wider(t, match)).OfType<string>().ToList();
                return parts.Count == 0 ? null : "(" + string.Join(" AND ", parts) + ")";
            case ScanOr o:
                var any = o.Terms.Select(t => Wider(t, match)).ToList();
                return any.Count == 0 || any.Any(p => p is null) ? null : "(" + string.Join(" OR ", any) + ")";
            case ScanNot n:
                return "NOT " + Narrower(n.Operand, match);
            case ScanFieldMatch m:
                return match(m, true);
            default:
                return null;
        }
    }

    /// <summary><see cref="Narrower(ScanCondition)"/> with each field match translated by <paramref name="match"/> (wider: false; null when it cannot).</summary>
    internal static string Narrower(ScanCondition c, Func<ScanFieldMatch, bool, string?> match)
    {
        switch (c)
        {
            case ScanAnd a:
                return a.Terms.Count == 0 ? "1" : "(" + string.Join(" AND ", a.Terms.Select(t => Narrower(t, match))) + ")";
            case ScanOr o:
                return o.Terms.Count == 0 ? "0" : "(" + string.Join(" OR ", o.Terms.Select(t => Narrower(t, match))) + ")";
            case ScanNot n:
                return Wider(n.Operand, match) is { } inner ? "NOT " + inner : "0";
            case ScanFieldMatch m:
                return match(m, false) ?? "0";
            default:
                return "0";
        }
    }

    /// <summary>
    /// A field match on text: <c>lower</c> (ASCII letters only) of the value against the lower-cased
    /// ASCII pattern matches only where Splunk's case-insensitive match does; where a value holds
    /// other characters (which .NET's case folding may map onto ASCII, as ı onto I), the wider form
    /// keeps the event for the engine to decide.
    /// </summary>
    private static string? Match(ScanFieldMatch m, bool wider)
    {
        if (!m.Patterns.All(Translatable))
        {
            return null;
        }

        string Test(string value) =>
            "(" + string.Join(" OR ", m.Patterns.Select(p => Pattern("lower(" + value + ")", p))) + (wider ? " OR " + NotAscii(value) : string.Empty) + ")";

        var column = m.Field switch
        {
            "index" => "idx", // events without an index are in main, as the column holds
            "host" or "source" or "sourcetype" => m.Field,
            _ => null,
        };
        if (column is not null)
        {
            return Test(column);
        }

        if (m.Field.Equals("index", StringComparison.OrdinalIgnoreCase))
        {
            return null; // INDEX=... reads a field of that name, absent, as main: the engine decides
        }

        if (m.Field == "EventCode" || m.Field.StartsWith('_'))
        {
            return null; // event_code falls back to EventID; _time and _raw have their own rules
        }

        // A field's single value is in its column (when it has one) or the key/value arrays; every value of a multivalue field is in the arrays.
        var inArrays = $"arrayExists((k, v) -> k = {Sql.Literal(m.Field)} AND {Test("v")}, kv_key, kv_value)";
        return ClickHouseSchema.FieldColumns.Contains(m.Field) ? "(" + Test("f_" + m.Field) + " OR " + inArrays + ")" : inArrays;
    }

    /// <summary>
    /// A text pattern this translation handles: ASCII, not all wildcards, and (as Splunk's search
    /// reads a written value, see ValueMatcher) neither a CIDR range nor a number.
    /// </summary>
    internal static bool Translatable(string p) =>
        p.Length > 0 && IsAscii(p) && p.Any(ch => ch != '*')
        && (p.Contains('*', StringComparison.Ordinal)
            || !((p.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(p, out _)) || (Value.TryParseNumber(p, out _) && !p.Contains(' ', StringComparison.Ordinal))));

    internal static string Pattern(string lowered, string pattern)
    {
        var lower = pattern.ToLowerInvariant();
        if (!lower.Contains('*', StringComparison.Ordinal))
        {
            return lowered + " = " + Sql.Literal(lower);
        }

        var regex = new StringBuilder("(?s)^");
        foreach (var ch in lower)
        {
            if (ch == '*')
            {
                regex.Append(".*");
            }
            else
            {
                if ("\\.+?()|[]{}^$".Contains(ch, StringComparison.Ordinal))
                {
                    regex.Append('\\');
                }

                regex.Append(ch);
            }
        }

        return "match(" + lowered + ", " + Sql.Literal(regex.Append('$').ToString()) + ")";
    }

    private static bool IsAscii(string s) => s.All(char.IsAscii);

    /// <summary>
    /// SQL true when a String holds a character outside ASCII. Every value Escudo stores is valid
    /// UTF-8 (encoded from .NET strings), where a character outside ASCII takes two to four bytes
    /// and one code point: the byte length then exceeds the code-point length, and only then. This
    /// costs two counts per value, where a regex match (<c>^[\x00-\x7F]*$</c>) ran re2 on it.
    /// </summary>
    internal static string NotAscii(string value) => $"lengthUTF8({value}) != length({value})";
}
