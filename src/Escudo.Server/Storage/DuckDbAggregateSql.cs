using System.Globalization;
using System.Text;
using Escudo.Core.Storage;
using Escudo.Core.Time;

namespace Escudo.Server.Storage;

/// <summary>
/// The SQL of a search's leading <c>stats</c> run in DuckDB over the events' metadata columns, or
/// null when the request asks for something this translation does not do exactly. It is exact over
/// rows whose <c>exact_columns</c> flag is true (<see cref="ExactColumns"/>: each column is the
/// field, a printable ASCII string or absent); <see cref="DuckDbStore"/> refuses the request when a
/// row of the time range is not. Translated: the search's filter when every part of it is a field
/// match on <c>index host source sourcetype EventCode</c> (AND, OR, NOT), with ASCII patterns that
/// are not CIDR ranges (the engine matches text, case-insensitively, <c>*</c> for any run:
/// <see cref="Pattern"/>); by-fields among those columns (a row whose by-field is null joins no
/// group); and <c>count</c>, <c>count</c>/<c>dc</c>/<c>values</c> of those columns,
/// <c>min</c>/<c>max</c>/<c>earliest</c>/<c>latest</c> of <c>_time</c>.
/// </summary>
internal static class DuckDbAggregateSql
{
    /// <summary>The column holding a field a search names (by its exact name), or null.</summary>
    public static string? Column(string field) => field switch
    {
        "index" => "idx",
        "host" => "host",
        "source" => "source",
        "sourcetype" => "sourcetype",
        "EventCode" => "event_code",
        _ => null,
    };

    /// <summary>
    /// The query: one row per group, its keys (VARCHAR), one result per call (kinds as
    /// <see cref="ResultKind"/>), then the evidence: the count of rows, their first and last
    /// <c>_time</c>, the first row id (groups tied in the engine's order keep the order in which
    /// their first rows came, as the engine's do), and (when <see cref="AggregateRequest.EvidenceLimit"/> is above 0) the first row
    /// ids in the store's read order. Null when the request is refused.
    /// </summary>
    public static string? Select(AggregateRequest request, Func<object, string> parameter)
    {
        var keys = new List<string>();
        foreach (var by in request.By)
        {
            if (Column(by) is not { } column)
            {
                return null;
            }

            keys.Add(column);
        }

        var results = new List<string>();
        foreach (var call in request.Calls)
        {
            if (Result(call) is not { } result)
            {
                return null;
            }

            results.Add(result);
        }

        var filter = request.Condition is { } condition ? Where(condition, parameter) : "true";
        if (request.FillNull is not null || filter is null)
        {
            return null;
        }

        var where = new StringBuilder(Time(request.Time, parameter)).Append(" AND ").Append(filter);

        foreach (var key in keys)
        {
            where.Append(" AND ").Append(key).Append(" IS NOT NULL");
        }

        var sql = new StringBuilder("SELECT ");
        foreach (var part in keys.Concat(results))
        {
            sql.Append(part).Append(", ");
        }

        sql.Append("count(*), min(_time), max(_time), min(rowid)");
        if (request.EvidenceLimit > 0)
        {
            sql.Append(", min(rowid, ").Append(request.EvidenceLimit.ToString(CultureInfo.InvariantCulture)).Append(')');
        }

        sql.Append(" FROM events WHERE ").Append(where);
        if (keys.Count > 0)
        {
            sql.Append(" GROUP BY ").AppendJoin(", ", keys);
        }

        return sql.Append(" LIMIT ").Append((request.MaxGroups + 1).ToString(CultureInfo.InvariantCulture)).ToString();
    }

    /// <summary>SQL true for the rows of the time range whose columns may not be the fields (any of them makes the store refuse).</summary>
    public static string Inexact(TimeRange time, Func<object, string> parameter) =>
        "SELECT count(*) FROM events WHERE " + Time(time, parameter) + " AND exact_columns IS NOT TRUE";

    /// <summary>The SQL of one call's result, or null when it is not translated.</summary>
    internal static string? Result(AggregateCall call) => (call.Function, call.Field is null ? null : Column(call.Field)) switch
    {
        ("count" or "c", null) when call.Field is null => "count(*)",
        ("count" or "c", { } column) => $"count({column})",
        ("dc" or "distinct_count", { } column) => $"count(DISTINCT {column})",
        ("values", { } column) => $"list(DISTINCT {column}) FILTER (WHERE {column} IS NOT NULL)", // list() keeps nulls
        ("min" or "earliest" or "earliest_time", _) when call.Field == "_time" => "min(_time)", // the _time of the earliest row
        ("max" or "latest" or "latest_time", _) when call.Field == "_time" => "max(_time)",
        _ => null,
    };

    /// <summary>How a translated call's result is read: 'n' a count (BIGINT), 'a' distinct values (a list), 'f' a time (DOUBLE).</summary>
    internal static char ResultKind(AggregateCall call) => call.Function switch
    {
        "count" or "c" or "dc" or "distinct_count" => 'n',
        "values" => 'a',
        _ => 'f',
    };

    /// <summary>The time range as the scan applies it (and the engine's <see cref="TimeRange.Contains"/>: a row without a time is outside any bound).</summary>
    private static string Time(TimeRange time, Func<object, string> parameter)
    {
        var sql = new StringBuilder("true");
        if (time.Earliest is { } e)
        {
            sql.Append(" AND _time >= ").Append(parameter(e));
        }

        if (time.Latest is { } l)
        {
            sql.Append(" AND _time < ").Append(parameter(l));
        }

        return sql.ToString();
    }

    /// <summary>The whole condition, exactly, or null when any part of it is not translated.</summary>
    private static string? Where(ScanCondition c, Func<object, string> parameter)
    {
        switch (c)
        {
            case ScanAnd a:
                return Join(a.Terms, " AND ", "true", parameter);
            case ScanOr o:
                return Join(o.Terms, " OR ", "false", parameter);
            case ScanNot n:
                return Where(n.Operand, parameter) is { } inner ? "(NOT " + inner + ")" : null;
            case ScanFieldMatch m when Column(m.Field) is { } column && m.Patterns.Count > 0 && m.Patterns.All(Translatable):
                // A missing field matches no pattern (false, not SQL's null, so that NOT keeps the row as the engine does).
                return "coalesce((" + string.Join(" OR ", m.Patterns.Select(p => Pattern(column, p, parameter))) + "), false)";
            default:
                return null;
        }
    }

    private static string? Join(IReadOnlyList<ScanCondition> terms, string op, string empty, Func<object, string> parameter)
    {
        if (terms.Count == 0)
        {
            return empty;
        }

        var parts = new List<string>(terms.Count);
        foreach (var t in terms)
        {
            if (Where(t, parameter) is not { } part)
            {
                return null;
            }

            parts.Add(part);
        }

        return "(" + string.Join(op, parts) + ")";
    }

    /// <summary>
    /// A pattern this translation matches as the engine's ValueMatcher does: ASCII (DuckDB's
    /// <c>lower</c> is then the engine's case-insensitive comparison over the columns' ASCII), and
    /// not a CIDR range (which the engine matches as addresses, not text). Numbers match as text.
    /// </summary>
    internal static bool Translatable(string pattern) =>
        pattern.Length > 0 && pattern.All(char.IsAscii)
        && (pattern.Contains('*', StringComparison.Ordinal) || !(pattern.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(pattern, out _)));

    /// <summary>The whole lower-cased value equals the lower-cased pattern, <c>*</c> matching any run of characters (LIKE's <c>%</c>, the pattern's own <c>%</c>, <c>_</c> and <c>\</c> escaped).</summary>
    private static string Pattern(string column, string pattern, Func<object, string> parameter)
    {
        var lower = pattern.ToLowerInvariant();
        if (!lower.Contains('*', StringComparison.Ordinal))
        {
            return $"lower({column}) = {parameter(lower)}";
        }

        var like = new StringBuilder(lower.Length + 4);
        foreach (var ch in lower)
        {
            like.Append(ch switch
            {
                '*' => "%",
                '%' or '_' or '\\' => "\\" + ch,
                _ => ch.ToString(),
            });
        }

        return $"lower({column}) LIKE {parameter(like.ToString())} ESCAPE '\\'";
    }
}
