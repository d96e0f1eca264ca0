using System.Collections.Concurrent;
using System.Data;
using DuckDB.NET.Data;

namespace Escudo.Server.Storage;

/// <summary>
/// The one DuckDB instance per store file in this process. <see cref="DuckDbStore"/> attaches its
/// file with a small row group (<see cref="RowGroupSize"/>) and registers the instance here; every
/// other reader of that file (the console's summary, Incident Review's edits) connects through it,
/// because a second instance opened on the same file by path would write it behind the first's back.
/// </summary>
internal static class DuckDbFiles
{
    /// <summary>
    /// Rows per row group. DuckDB's default (122,880) made every automatic checkpoint rewrite the
    /// whole unfinished row group of multi-kilobyte events, so commits stalled for seconds under
    /// sustained HEC load; at 2,048 a checkpoint rewrites little (bench/serve/RESULTS.md), and the
    /// time zone maps get finer.
    /// </summary>
    public const int RowGroupSize = 2048;

    /// <summary>The name the store file is attached under in its instance.</summary>
    public const string Alias = "store";

    private static readonly ConcurrentDictionary<string, DuckDBConnection> Instances = new(StringComparer.Ordinal);

    /// <summary>An instance with <paramref name="path"/> attached and in use; <paramref name="settings"/> are run on it first.</summary>
    public static DuckDBConnection OpenInstance(string path, string? settings)
    {
        var root = new DuckDBConnection("Data Source=:memory:");
        try
        {
            root.Open();
            Execute(root, $"ATTACH '{path.Replace("'", "''", StringComparison.Ordinal)}' AS {Alias} (ROW_GROUP_SIZE {RowGroupSize}); USE {Alias};");
            if (settings is not null)
            {
                Execute(root, settings);
            }

            return root;
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    public static void Register(string path, DuckDBConnection instance) => Instances[path] = instance;

    public static void Unregister(string path, DuckDBConnection instance) => Instances.TryRemove(new KeyValuePair<string, DuckDBConnection>(path, instance));

    /// <summary>A new connection to the file: through its registered instance, else (no store open in this process) by path.</summary>
    public static DuckDBConnection Open(string path)
    {
        if (Instances.TryGetValue(path, out var instance))
        {
            return Connect(instance);
        }

        var c = new DuckDBConnection("Data Source=" + path);
        c.Open();
        return c;
    }

    /// <summary>A new connection to an instance, using its attached store file.</summary>
    public static DuckDBConnection Connect(DuckDBConnection instance)
    {
        DuckDBConnection c;
        lock (instance)
        {
            c = instance.Duplicate();
        }

        try
        {
            if (c.State != ConnectionState.Open)
            {
                c.Open();
            }

            Execute(c, $"USE {Alias}");
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
