using System.Globalization;
using DuckDB.NET.Data;
using Escudo.Server.Storage;

namespace Escudo.Bench;

/// <summary>
/// <see cref="Escudo.Server.Storage.ClickHouse.ClickHouseCopies"/> for the embedded store: copies of
/// the events committed through Escudo made by DuckDB itself (<c>INSERT ... SELECT</c>), copy c
/// with its time moved by c × the shift and its host renamed <c>HOST-cC</c>, in the columns and
/// in the typed row (<c>fields</c>), appended in order (the embedded store reads in insertion
/// order). The embedded store has no data-model rows: it maps them from the events on every read.
/// <c>exact_columns</c> and <c>field_keys</c> are kept as committed: the renamed host is renamed in
/// both the column and the typed row, so the columns stay exact, and <c>host</c> is not a key field.
/// </summary>
internal static class DuckDbCopies
{
    private const long CopySlice = 20_000;

    public static void Grow(DuckDbStore store, int copies, double secondsPerCopy, Action<int> progress)
    {
        using var c = DuckDbFiles.Open(store.Path_);
        var baseCount = Scalar(c, "SELECT count(*) FROM events");
        if (Scalar(c, "SELECT count(*) FROM events WHERE host LIKE '%-c%'") != 0)
        {
            throw new InvalidOperationException($"{store.Path_} holds copies already; remove the folder and commit the base again");
        }

        // Rows stored as a recipe (HEC's Windows XML) are made again from _raw with their stored host: not rewritten here.
        if (Scalar(c, "SELECT count(*) FROM events WHERE starts_with(fields, '[')") != 0)
        {
            throw new InvalidOperationException($"{store.Path_} holds rows stored as XML recipes; copies rewrite only typed rows");
        }

        for (var copy = 1; copy <= copies; copy++)
        {
            var shift = (copy * secondsPerCopy).ToString("R", CultureInfo.InvariantCulture);
            var suffix = "-c" + copy.ToString(CultureInfo.InvariantCulture);

            // In slices of the base: one INSERT ... SELECT ... ORDER BY over the whole base sorts
            // gigabytes of rows and, under serve's 512MB memory limit, failed to pin a block.
            for (long from = 0; from < baseCount; from += CopySlice)
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = $"""
                    INSERT INTO events SELECT _time + {shift}, idx, CASE WHEN host = '' THEN host ELSE host || '{suffix}' END,
                      source, sourcetype, event_code, _raw,
                      regexp_replace(regexp_replace(fields, '"_time":[-+.0-9eE]+', '"_time":' || CAST(_time + {shift} AS VARCHAR)),
                        '("host":"(?:[^"\\]|\\.)*)"', '\1{suffix}"'),
                      exact_columns, field_keys
                    FROM events WHERE rowid >= {from} AND rowid < {Math.Min(from + CopySlice, baseCount)} ORDER BY rowid
                    """;
                cmd.ExecuteNonQuery();
            }

            progress(copy);
        }

        using var checkpoint = c.CreateCommand();
        checkpoint.CommandText = "CHECKPOINT";
        checkpoint.ExecuteNonQuery();
    }

    private static long Scalar(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
