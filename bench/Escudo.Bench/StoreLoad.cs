using System.Diagnostics;
using System.Globalization;
using Escudo.Core.Events;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;

namespace Escudo.Bench;

/// <summary>
/// Filling a serve store with N replayed events for <see cref="ClickHouseStoreBench"/>, resumably
/// (from the events it already holds), with a progress line per 100,000 events; and what the
/// store takes on disk.
/// </summary>
internal static class StoreLoad
{
    /// <summary>Events per commit, as in <see cref="ClickHouseStoreBench"/>.</summary>
    public const int Batch = 20_000;

    private const long ProgressEvery = 100_000;

    /// <summary>Commits events <paramref name="from"/> to <paramref name="n"/> - 1 in batches; the commit rate in events/s.</summary>
    public static double Fill(string name, IServeStore store, long n, long from, Func<long, Row> eventAt)
    {
        if (from % Batch != 0)
        {
            // Commits are whole batches of 20,000; a commit cut short on a cluster can leave part of
            // one on some shards, and which events those are is not known.
            throw new InvalidOperationException($"{name}: the store holds {from:#,0} events, not a whole number of batches of {Batch:#,0}; drop its database or folder first");
        }

        if (from > 0)
        {
            Console.WriteLine($"  {name}: holds {from:#,0} events of an earlier run; committing the other {n - from:#,0}");
        }

        var clock = Stopwatch.StartNew();
        var cpu0 = Cpu();
        var lastTime = 0.0;
        var lastCpu = cpu0;
        var batch = new List<Row>(Batch);
        for (var i = from; i < n; i++)
        {
            batch.Add(eventAt(i));
            if (batch.Count == Batch || i == n - 1)
            {
                store.Commit(batch, []);
                batch = new List<Row>(Batch);
            }

            if ((i + 1) % ProgressEvery == 0)
            {
                // The rate of the last interval shows whether a commit costs more as the store grows.
                var now = clock.Elapsed.TotalSeconds;
                var cpu = Cpu();
                Console.WriteLine($"    {i + 1:#,0} events: last {ProgressEvery:#,0} at {ProgressEvery / (now - lastTime):#,0} events/s, "
                    + $"{(cpu - lastCpu) * 1e6 / ProgressEvery:F0} µs bench CPU per event; load {Load()}");
                (lastTime, lastCpu) = (now, cpu);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  {name}: committed {n - from:#,0} in {seconds:F0} s, {(Cpu() - cpu0) * 1e6 / Math.Max(1, n - from):F0} µs bench CPU per event; load {Load()}");
        return (n - from) / seconds;
    }

    /// <summary>Bytes of the files under a store folder (the DuckDB file and its WAL); prints how much of the file DuckDB uses.</summary>
    public static long FolderBytes(string dir, DuckDbStore store)
    {
        // A file can hold free blocks (row groups rewritten by checkpoints): DuckDB's own count says how many.
        using var c = DuckDbFiles.Open(store.Path_);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT block_size, total_blocks, used_blocks, free_blocks FROM pragma_database_size()";
        using var r = cmd.ExecuteReader();
        if (r.Read())
        {
            Console.WriteLine($"    DuckDB blocks of {r.GetInt64(0):#,0} bytes: {r.GetInt64(1):#,0} in the file, {r.GetInt64(2):#,0} used, {r.GetInt64(3):#,0} free");
        }

        r.Close();
        cmd.CommandText = "SELECT column_name || ' ' || compression || ' ' || count(*) FROM pragma_storage_info('events') GROUP BY column_name, compression ORDER BY 1";
        using var segments = cmd.ExecuteReader();
        var each = new List<string>();
        while (segments.Read())
        {
            each.Add(segments.GetString(0));
        }

        Console.WriteLine("    DuckDB segments by column and compression: " + string.Join(", ", each));
        return new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
    }

    /// <summary>Bytes on disk of the database's active parts on every host (events, data-model rows, the rest), printed per table.</summary>
    public static long ClickHouseBytes(ClickHouseLocation location)
    {
        var byTable = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var host in location.Hosts)
        {
            using var http = new HttpClient { BaseAddress = new Uri("http://" + host + "/") };
            var sql = $"SELECT table, sum(bytes_on_disk) FROM system.parts WHERE active AND database = '{location.Database.Replace("'", string.Empty, StringComparison.Ordinal)}' GROUP BY table FORMAT TabSeparated";
            using var answer = http.PostAsync("/", new StringContent(sql)).GetAwaiter().GetResult();
            var text = answer.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!answer.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"system.parts on {host}: {text}");
            }

            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split('\t');
                byTable[parts[0]] = byTable.GetValueOrDefault(parts[0]) + long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        Console.WriteLine("    by table: " + string.Join(", ", byTable.Select(t => $"{t.Key} {t.Value / 1e6:#,0.0} MB")));
        return byTable.Values.Sum();
    }

    private static double Cpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Trim();
}
