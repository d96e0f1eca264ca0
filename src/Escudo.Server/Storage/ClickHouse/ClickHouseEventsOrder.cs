namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Migration 4: the events table ordered for selective searches. Ordered by time first (as
/// migration 1 made it), one host's events are in every granule, so a search for one host or one
/// EventCode reads the whole table. The new key is <c>(week, event_code, host_lc, _time)</c>:
/// a time range still selects its weeks (the week is a monotonic function of <c>_time</c>, which
/// ClickHouse's primary key analysis follows, 18.16 included), and within a week an EventCode and a
/// host select their own granules. <c>host_lc</c> is <c>lowerUTF8(host)</c>, materialized, so the
/// pushed-down host equality (Splunk compares host ignoring case) is a key column's equality.
/// ClickHouse cannot change a table's key in place (18.16 has no data-skipping index either), so the
/// events are copied into a new table, which then takes the old one's name; each step is checked
/// first, so a migration cut short at any point is finished when the node is opened again.
/// Migration 5 makes the same copy when the table's granules are not of <see cref="Granularity"/> rows.
/// </summary>
internal static class ClickHouseEventsOrder
{
    public const int Version = 4;

    /// <summary>The migration that copies an events table with 8,192-row granules (18.16's default) into one of <see cref="Granularity"/>.</summary>
    public const int GranularityVersion = 5;

    /// <summary>
    /// Rows per granule, the unit ClickHouse reads: a scan reads every column it returns (<c>_raw</c>,
    /// <c>fields</c>, the key/value arrays: about 6.7 KB per event before compression) for each whole
    /// granule holding a row its PREWHERE lets through. With 8,192 rows (about 55 MB uncompressed)
    /// per granule, the few hundred events of one EventCode spread over a hundred weeks made a scan
    /// of 185,000 events read nearly all of them: 2.5 CPU s per ESCU scan; 1,024 rows, 0.6 CPU s
    /// (bench/RESULTS.md §7c, fourth session). Current releases cap a granule at 10 MB
    /// (<c>index_granularity_bytes</c>, adaptive granularity), about 1,500 of these rows; 18.16 has
    /// only the row count.
    /// </summary>
    public const int Granularity = 1024;

    /// <summary>The key: week (604,800 s) of the event time, EventCode, lower-cased host, time.</summary>
    public const string OrderBy = "(intDiv(toInt64(_time), 604800), event_code, host_lc, _time)";

    public static void Migrate(ClickHouseNode node, string database, string? cluster)
    {
        if (!HasColumn(node, database, "events", "host_lc") || !HasGranularity(node, database))
        {
            var columns = string.Join(", ", ClickHouseSchema.EventColumns().Split(", ").Select(c => c[..c.IndexOf(' ', StringComparison.Ordinal)]));
            node.Execute("DROP TABLE IF EXISTS events_reorder");
            node.Execute($"CREATE TABLE events_reorder ({ClickHouseSchema.EventColumns()}, host_lc String MATERIALIZED lowerUTF8(host)) ENGINE = MergeTree ORDER BY {OrderBy} SETTINGS index_granularity = {Granularity}");
            node.Execute($"INSERT INTO events_reorder ({columns}) SELECT {columns} FROM events");
            node.Execute("RENAME TABLE events TO events_before_reorder, events_reorder TO events");
        }

        node.Execute("DROP TABLE IF EXISTS events_before_reorder");
        if (cluster is not null)
        {
            // The Distributed table takes its columns from the local one when it is made: made again, it has host_lc.
            node.Execute("DROP TABLE IF EXISTS events_all");
            node.Execute($"CREATE TABLE events_all AS events ENGINE = Distributed({cluster}, {database}, events, cityHash64(host))");
        }
    }

    /// <summary>Whether the events table was made with <see cref="Granularity"/> (18.16 and current releases both show it in <c>engine_full</c>).</summary>
    private static bool HasGranularity(ClickHouseNode node, string database) =>
        node.Execute($"SELECT engine_full FROM system.tables WHERE database = {Sql.Literal(database)} AND name = 'events'")
            .Contains($"index_granularity = {Granularity}", StringComparison.Ordinal);

    private static bool HasColumn(ClickHouseNode node, string database, string table, string column) =>
        node.Execute($"SELECT count() FROM system.columns WHERE database = {Sql.Literal(database)} AND table = {Sql.Literal(table)} AND name = {Sql.Literal(column)}") != "0";
}
