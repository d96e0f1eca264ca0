using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Escudo.Core.DataModels;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// The SQL of a <c>tstats</c> aggregated in ClickHouse over <c>dm_rows</c>, or null when the
/// request asks for something this translation does not do exactly. A data-model row's fields are
/// the JSON object of <see cref="RowCodec"/>; a field is found by its key (<c>"name":</c> occurs
/// once: it cannot occur inside a JSON string, whose quotes are escaped), and its value read with
/// 18.16's <c>visitParamExtractString</c>, exact for a JSON string in a row without a <c>\u</c>
/// escape (18.16's <c>visitParamExtractRaw</c> is not: it loses a value ending in a backslash). Any
/// other value (a number, a multivalue array, a string with a <c>\u</c> escape, which may be half of a surrogate pair) is
/// counted per group as <em>uncertain</em>, as is a row that passes the where clause's wider SQL but
/// not its narrower one (<see cref="ClickHouseSql.Wider(ScanCondition)"/>); the store refuses the
/// whole answer when any row is uncertain, and the engine aggregates the rows itself.
/// </summary>
internal static partial class ClickHouseAggregateSql
{
    /// <summary>The columns each group's evidence is read from, after the keys and results (see <see cref="ClickHouseStore"/>'s reader).</summary>
    private static string Evidence(int limit) =>
        "count(), min(_time), max(_time), arraySlice(arraySort(groupArray((ingest, seq, batch, " + ClickHouseStore.RowIdSql
        + ", source, host, channel, _time))), 1, " + limit.ToString(CultureInfo.InvariantCulture) + ")";

    /// <summary>Why the request is refused before asking ClickHouse (null: it can be translated).</summary>
    public static string? Refusal(AggregateRequest request)
    {
        foreach (var by in request.By)
        {
            if (!PlainName(by) || by.StartsWith('_'))
            {
                return $"by-field {by}";
            }
        }

        foreach (var call in request.Calls)
        {
            if (Result(call) is null)
            {
                return $"{call.Function}({call.Field})";
            }
        }

        if (request.Condition is { } c && !Exact(c))
        {
            return "where clause";
        }

        return null;
    }

    /// <summary>
    /// The query: one row per group, its keys (String), one result per call, the evidence (count,
    /// first and last time, the first rows in read order), and the number of uncertain rows.
    /// </summary>
    public static string Select(string table, DataModelDataset dataset, AggregateRequest request, string timeWhere)
    {
        var keys = new List<string>();
        var where = new StringBuilder($"dataset = {Sql.Literal(dataset.FullName)} AND {timeWhere}");
        var uncertain = new List<string> { "NOT isFinite(_time)" };
        for (var i = 0; i < request.By.Count; i++)
        {
            var by = request.By[i];
            keys.Add(request.FillNull is { } fill
                ? $"if({Present(by)}, {Text(by)}, {Sql.Literal(fill)}) AS k{i}"
                : $"{Text(by)} AS k{i}");
            if (request.FillNull is null)
            {
                where.Append(" AND ").Append(Present(by)); // a row whose by-field is null joins no group
            }

            uncertain.Add(NotPlainString(by));
        }

        foreach (var call in request.Calls)
        {
            // _time is the column; the row's own _time must be that number (earliest(_time) returns the row's value as it is).
            uncertain.Add(call.Field switch
            {
                null => "0",
                "_time" => StartsString("_time"),
                { } f => NotPlainString(f),
            });
        }

        if (request.Condition is { } condition)
        {
            if (ClickHouseSql.Wider(condition, Match) is { } wider)
            {
                where.Append(" AND ").Append(wider);
            }

            uncertain.Add("NOT " + ClickHouseSql.Narrower(condition, Match));
        }

        var select = new StringBuilder("SELECT ");
        foreach (var k in keys)
        {
            select.Append(k).Append(", ");
        }

        foreach (var call in request.Calls)
        {
            select.Append(Result(call)).Append(", ");
        }

        select.Append(Evidence(request.EvidenceLimit))
            .Append(", sum(toUInt8(").Append(string.Join(" OR ", uncertain)).Append("))")
            .Append(" FROM ").Append(table).Append(" WHERE ").Append(where);
        if (keys.Count > 0)
        {
            select.Append(" GROUP BY ").AppendJoin(", ", Enumerable.Range(0, keys.Count).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture)));
        }

        return select.Append(" LIMIT ").Append((request.MaxGroups + 1).ToString(CultureInfo.InvariantCulture)).Append(" FORMAT RowBinary").ToString();
    }

    /// <summary>The SQL of one call's result, or null when it is not translated: count, dc, values, min/max/earliest/latest of _time.</summary>
    internal static string? Result(AggregateCall call) => (call.Function, call.Field) switch
    {
        ("count" or "c", null) => "count()",
        ("count" or "c", { } f) when Translatable(f) => $"countIf({Present(f)})",
        ("dc" or "distinct_count", { } f) when Translatable(f) => $"uniqExactIf({Text(f)}, {Present(f)})",
        ("values", { } f) when Translatable(f) => $"arraySort(groupUniqArrayIf({Text(f)}, {Present(f)}))",
        ("min" or "earliest" or "earliest_time", "_time") => "min(_time)", // earliest(_time): the _time of the earliest row
        ("max" or "latest" or "latest_time", "_time") => "max(_time)",
        _ => null,
    };

    /// <summary>The kind of value a translated call's result is read as.</summary>
    internal static char ResultKind(AggregateCall call) => call.Function switch
    {
        "count" or "c" or "dc" or "distinct_count" => 'n', // UInt64
        "values" => 'a', // Array(String)
        _ => 'f', // Float64
    };

    private static bool Translatable(string field) => PlainName(field) && !field.StartsWith('_');

    /// <summary>Whether every part of the where clause is translated (nothing opaque; index, in any case, has the engine's own rule).</summary>
    private static bool Exact(ScanCondition c) => c switch
    {
        ScanAnd a => a.Terms.All(Exact),
        ScanOr o => o.Terms.All(Exact),
        ScanNot n => Exact(n.Operand),
        ScanFieldMatch m => Match(m, true) is not null,
        _ => false,
    };

    /// <summary>
    /// A field match over a data-model row's field, as <see cref="ClickHouseSql"/> translates one
    /// over an event's column: lower() (ASCII letters only) on both sides, only ASCII text patterns.
    /// Narrower: the value is a plain JSON string that matches. Wider: also any value that is not a
    /// plain string, or holds a character the engine's comparison (OrdinalIgnoreCase) takes for an
    /// ASCII one, so the two differ only on rows counted as uncertain. Other non-ASCII characters
    /// equal no ASCII pattern character in either, and the pattern's wildcards match any run in both.
    /// </summary>
    private static string? Match(ScanFieldMatch m, bool wider)
    {
        if (!Translatable(m.Field) || m.Field.Equals("index", StringComparison.OrdinalIgnoreCase) || !m.Patterns.All(ClickHouseSql.Translatable))
        {
            return null; // index: a row without one is in main, by the engine's rule
        }

        var text = Text(m.Field);
        var test = "(" + string.Join(" OR ", m.Patterns.Select(p => ClickHouseSql.Pattern("lower(" + text + ")", p))) + ")";
        return wider
            ? $"({Present(m.Field)} AND (NOT {PlainString(m.Field)} OR {test} OR {FoldsOntoAscii(text)}))"
            : $"({Present(m.Field)} AND {PlainString(m.Field)} AND {test})";
    }

    /// <summary>SQL true when the text holds a character outside ASCII that the engine's case-insensitive comparison equates with an ASCII one.</summary>
    private static string FoldsOntoAscii(string text) =>
        FoldingCharacters.Value.Length == 0 ? "0" : "(" + string.Join(" OR ", FoldingCharacters.Value.Select(c => $"position({text}, {Sql.Literal(c.ToString())}) > 0")) + ")";

    /// <summary>
    /// The characters outside ASCII (surrogates aside: a row holding one is uncertain anyway) that
    /// OrdinalIgnoreCase, the comparison of the engine's field matches, finds equal to an ASCII
    /// character (ı to I, ſ to S, and whatever this runtime's casing table adds): computed from the
    /// comparison itself, so the translation follows the runtime the engine runs on.
    /// </summary>
    private static readonly Lazy<char[]> FoldingCharacters = new(() =>
    {
        var found = new List<char>();
        for (var c = (char)128; c < char.MaxValue; c++)
        {
            if (char.IsSurrogate(c))
            {
                continue;
            }

            var text = c.ToString();
            for (var a = (char)0; a < 128; a++)
            {
                if (string.Equals(text, a.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    found.Add(c);
                    break;
                }
            }
        }

        return [.. found];
    });

    /// <summary>Where the field's key is in the row's JSON (0: absent); a key occurs once, as <c>"name":</c> occurs in no JSON string.</summary>
    private static string KeyAt(string field) => $"position(fields, {Key(field)})";

    private static string Key(string field) => Sql.Literal("\"" + field + "\":");

    private static string Text(string field) => $"visitParamExtractString(fields, {Sql.Literal(field)})";

    private static string Present(string field) => $"{KeyAt(field)} > 0";

    /// <summary>The field's value is a JSON string (its first character, right after the key, is a quote).</summary>
    private static string StartsString(string field) =>
        $"substring(fields, {KeyAt(field)} + {(field.Length + 3).ToString(CultureInfo.InvariantCulture)}, 1) = '\"'";

    /// <summary>
    /// The field's JSON string holds a <c>\u</c> escape: from its key and opening quote, a run of
    /// characters other than a quote or a backslash, or escape pairs (a backslash and any character
    /// but u), then <c>\u</c>. Pairs are taken from the opening quote on, so an escaped backslash
    /// before a u is told from an escape, and the run stops at the closing quote.
    /// </summary>
    private static string Escaped(string field) =>
        $"match(fields, {Sql.Literal("\"" + field.Replace(".", "\\.", StringComparison.Ordinal) + @""":""(?:[^""\\]|\\[^u])*\\u")})";

    private static string PlainString(string field) => $"({StartsString(field)} AND NOT {Escaped(field)})";

    /// <summary>The field is present with a value other than a plain string (absent is not uncertain).</summary>
    private static string NotPlainString(string field) => $"({Present(field)} AND NOT {PlainString(field)})";

    /// <summary>A field name found as <c>"name":</c> in the JSON without escaping.</summary>
    private static bool PlainName(string field) => field.Length > 0 && FieldName().IsMatch(field);

    [GeneratedRegex("^[A-Za-z0-9_.]+$")]
    private static partial Regex FieldName();
}
