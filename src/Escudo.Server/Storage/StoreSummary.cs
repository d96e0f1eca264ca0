using System.Globalization;
using DuckDB.NET.Data;

namespace Escudo.Server.Storage;

/// <summary>One kind of event in the store: its source, sourcetype and event code, and how many.</summary>
public sealed record EventKind(string? Source, string? SourceType, string? EventCode, long Count);

/// <summary>The latest run of a detection (scheduled or manual) from the ledger.</summary>
public sealed record LastRun(string DetectionId, double Scheduled, double RanAt, string Status, int Results, int Notables, string? Error);

/// <summary>
/// Aggregate figures the console's Data and Detections pages show, read with SQL from the
/// service's DuckDB file (its own connection per call): events per kind, host and sourcetype,
/// the latest run per detection, and the file's size on disk. Notables and risk events (written
/// by Escudo itself) are left out of the event figures.
/// </summary>
public sealed class StoreSummary(string databasePath)
{
    /// <summary>Rows a grouping returns at most; the pages say when there were more.</summary>
    public const int MaxGroups = 10_000;

    public List<EventKind> Kinds() => Query(
        $"SELECT source, sourcetype, event_code, count(*) FROM events WHERE idx NOT IN ('notable', 'risk') GROUP BY ALL ORDER BY 4 DESC LIMIT {MaxGroups}",
        r => new EventKind(Str(r, 0), Str(r, 1), Str(r, 2), r.GetInt64(3)));

    /// <summary>Event counts grouped by one metadata column (<c>host</c>, <c>sourcetype</c>, <c>idx</c>), largest first.</summary>
    public List<(string Name, long Count)> CountBy(string column, int limit)
    {
        if (column is not ("host" or "sourcetype" or "idx" or "source"))
        {
            throw new ArgumentException("not a metadata column: " + column);
        }

        return Query(
            $"SELECT coalesce({column}, '(none)'), count(*) FROM events WHERE idx NOT IN ('notable', 'risk') GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {Math.Clamp(limit, 1, MaxGroups).ToString(CultureInfo.InvariantCulture)}",
            r => (r.GetString(0), r.GetInt64(1)));
    }

    /// <summary>Events per index, notables and risk included.</summary>
    public List<(string Name, long Count)> Indexes() =>
        Query("SELECT coalesce(idx, '(none)'), count(*) FROM events GROUP BY 1 ORDER BY 2 DESC", r => (r.GetString(0), r.GetInt64(1)));

    /// <summary>The earliest and latest event time in the store (Escudo's own notables and risk events excluded).</summary>
    public (double? First, double? Last) TimeSpan()
    {
        var row = Query("SELECT min(_time), max(_time) FROM events WHERE idx NOT IN ('notable', 'risk')", r => (r.IsDBNull(0) ? (double?)null : r.GetDouble(0), r.IsDBNull(1) ? (double?)null : r.GetDouble(1)));
        return row.Count == 0 ? (null, null) : row[0];
    }

    public Dictionary<string, LastRun> LastRuns() => Query(
            """
            SELECT detection_id, arg_max(scheduled, ran_at), max(ran_at), arg_max(status, ran_at), arg_max(results, ran_at), arg_max(notables, ran_at), arg_max(error, ran_at)
            FROM runs WHERE status <> 'registered' GROUP BY detection_id
            """,
            r => new LastRun(r.GetString(0), r.GetDouble(1), r.GetDouble(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), Str(r, 6)))
        .ToDictionary(l => l.DetectionId, StringComparer.Ordinal);

    /// <summary>The store's size on disk: the database file and its write-ahead log.</summary>
    public long BytesOnDisk() =>
        new[] { databasePath, databasePath + ".wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);

    private List<T> Query<T>(string sql, Func<System.Data.Common.DbDataReader, T> read)
    {
        using var c = DuckDbFiles.Open(databasePath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var result = new List<T>();
        while (r.Read())
        {
            result.Add(read(r));
        }

        return result;
    }

    private static string? Str(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
