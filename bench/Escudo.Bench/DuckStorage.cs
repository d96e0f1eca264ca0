using System.Globalization;
using DuckDB.NET.Data;
using Escudo.Server.Storage;

namespace Escudo.Bench;

/// <summary>
/// Where the embedded store's bytes go (bench <c>duck-storage DIR [ROWS]</c>): DuckDB's blocks per
/// column and their compression (<c>pragma_storage_info</c>), the text each column holds per event,
/// and, to see what a change of format would save (the store's format is not changed here), the
/// first ROWS events copied into scratch files with DuckDB's string compression forced to each of
/// <c>zstd</c> and <c>fsst</c>, and with the shipped choice.
/// </summary>
internal static class DuckStorage
{
    public static int Run(string[] args)
    {
        var dir = args[0];
        var rows = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 250_000;
        using var store = new DuckDbStore(dir, Escudo.Server.ServeOptions.DefaultStoreMemoryLimit);
        using var c = DuckDbFiles.Open(store.Path_);
        var events = Scalar(c, "SELECT count(*) FROM events");
        var blockSize = Scalar(c, "SELECT block_size FROM pragma_database_size()");
        Console.WriteLine($"{events:#,0} events; {Scalar(c, "SELECT used_blocks FROM pragma_database_size()"):#,0} used blocks of {blockSize:#,0} bytes; load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| column | segments | compression (segments) | blocks | MB (blocks × size) | bytes per event | text per event (bytes) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        using var cmd = c.CreateCommand();
        // A segment's block, and the blocks its long strings overflow into (additional_block_ids); a block may hold several small segments.
        cmd.CommandText = """
            WITH s AS (SELECT column_name, compression, block_id, additional_block_ids FROM pragma_storage_info('events') WHERE segment_type != 'VALIDITY' OR column_path IS NULL)
            SELECT column_name, count(*),
              (SELECT count(DISTINCT b) FROM (SELECT unnest(list_concat([s2.block_id], coalesce(s2.additional_block_ids, []))) AS b FROM s s2 WHERE s2.column_name = s.column_name) WHERE b >= 0)
            FROM s GROUP BY column_name ORDER BY column_name
            """;
        using (var r = cmd.ExecuteReader())
        {
            var list = new List<(string Column, long Segments, long Blocks)>();
            while (r.Read())
            {
                list.Add((r.GetString(0), r.GetInt64(1), r.GetInt64(2)));
            }

            r.Close();
            foreach (var (column, segments, blocks) in list)
            {
                var text = column is "_time" ? "8 (double)" : Scalar(c, $"SELECT CAST(avg(strlen(coalesce(\"{column}\", ''))) AS BIGINT) FROM events").ToString("#,0", CultureInfo.InvariantCulture);
                Console.WriteLine($"| {column} | {segments:#,0} | {Mix(c, column)} | {blocks:#,0} | {blocks * blockSize / 1e6:#,0.0} | {(double)blocks * blockSize / events:#,0} | {text} |");
            }
        }

        foreach (var compression in new[] { "auto", "zstd", "fsst" })
        {
            Scratch(c, dir, compression, rows);
        }

        return 0;
    }

    private static string Mix(DuckDBConnection c, string column)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT compression, count(*) FROM pragma_storage_info('events') WHERE column_name = '{column}' AND segment_type != 'VALIDITY' GROUP BY 1 ORDER BY 2 DESC";
        using var r = cmd.ExecuteReader();
        var parts = new List<string>();
        while (r.Read())
        {
            parts.Add($"{r.GetString(0)} {r.GetInt64(1)}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>The first <paramref name="rows"/> events in a scratch file with string compression forced (or DuckDB's own choice), its bytes per event.</summary>
    private static void Scratch(DuckDBConnection c, string dir, string compression, long rows)
    {
        var path = Path.Combine(dir, $"scratch-{compression}.duckdb");
        File.Delete(path);
        try
        {
            Execute(c, $"ATTACH '{path}' AS scratch");
            Execute(c, $"SET force_compression = '{(compression == "auto" ? "auto" : compression)}'");
            Execute(c, $"CREATE TABLE scratch.events AS SELECT * FROM events WHERE rowid < {rows} ORDER BY rowid");
            Execute(c, "CHECKPOINT scratch");
            Execute(c, "DETACH scratch");
            Execute(c, "SET force_compression = 'auto'");
            var bytes = new FileInfo(path).Length + (File.Exists(path + ".wal") ? new FileInfo(path + ".wal").Length : 0);
            Console.WriteLine($"  first {rows:#,0} events, string compression {compression}: {bytes / 1e6:#,0.0} MB, {(double)bytes / rows:#,0} bytes per event");
        }
        catch (DuckDBException e)
        {
            Console.WriteLine($"  string compression {compression}: DuckDB refused: {e.Message}");
            Execute(c, "SET force_compression = 'auto'");
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".wal");
        }
    }

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long Scalar(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
