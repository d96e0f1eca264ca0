using System.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Ingest.Sources;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Spl;
using Escudo.Spl.Execution;

namespace Escudo.Bench;

/// <summary>
/// The serve store at scale: N events replayed from real recordings (each a copy with its time
/// moved forward and its host one of 1,000) committed through the store API in batches of 20,000
/// to the embedded DuckDB store, to one ClickHouse shard and to the two-shard cluster; then a
/// raw search and a <c>tstats</c> run through each store as <c>escudo serve</c> runs them (a
/// <see cref="SearchStore"/> with the planner's pushdown), each three times, the median kept; then
/// the bytes each store takes on disk. A store that already holds some of the N events (an earlier
/// run stopped: ESCUDO_BENCH_DUCK_DIR keeps the DuckDB folder, the ClickHouse databases stay) is
/// filled up to N; one holding N is only searched (<see cref="StoreLoad"/>).
/// </summary>
internal static class ClickHouseStoreBench
{
    internal static readonly (string Name, string Spl)[] Searches =
    [
        ("raw search, one host's process starts", "index=main host=host42 EventCode=1 | stats count"),
        ("raw search, a command line anywhere", "index=main EventCode=1 CommandLine=\"*whoami*\" | stats count by host | stats count"),
        ("tstats over Endpoint.Processes", "| tstats count from datamodel=Endpoint.Processes by Processes.process_name | stats count"),
    ];

    /// <summary>Arguments: N, the cluster's address (clickhouse://H1,H2/DB?cluster=NAME), recordings to replay.</summary>
    public static int Run(string[] args)
    {
        var n = long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
        var cluster = ClickHouseLocation.Parse(args[1]);
        var recordings = args[2..].SelectMany(p => InputReader.Read(p)).ToList();
        Console.WriteLine($"{n:#,0} events replayed from {recordings.Count:#,0} recorded ones; load before: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| Store | Commit (events/s) | " + string.Join(" | ", Searches.Select(s => s.Name + " (s)")) + " |");
        Console.WriteLine("|---|---|" + string.Concat(Searches.Select(_ => "---|")));
        // ESCUDO_BENCH_STORES picks some of duck,ch1,ch2 (all by default), to measure one store again alone.
        var stores = (Environment.GetEnvironmentVariable("ESCUDO_BENCH_STORES") ?? "duck,ch1,ch2").Split(',');
        if (stores.Contains("duck"))
        {
            // ESCUDO_BENCH_DUCK_DIR keeps the DuckDB store between runs (to resume a load, or search again).
            var kept = Environment.GetEnvironmentVariable("ESCUDO_BENCH_DUCK_DIR");
            var dir = kept ?? Path.Combine(Path.GetTempPath(), "escudo-bench-duck-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            try
            {
                Measure("DuckDB (embedded)", () => new DuckDbStore(dir), n, recordings, s => StoreLoad.FolderBytes(dir, (DuckDbStore)s));
            }
            finally
            {
                if (kept is null)
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }

        if (stores.Contains("ch1"))
        {
            var one = new ClickHouseLocation([cluster.Hosts[0]], "escudo_bench_1", null);
            Measure("ClickHouse, 1 shard", () => new ClickHouseStore(one, null, null), n, recordings, _ => StoreLoad.ClickHouseBytes(one));
        }

        if (stores.Contains("ch2"))
        {
            var two = cluster with { Database = "escudo_bench_2" };
            Measure("ClickHouse, 2 shards", () => new ClickHouseStore(two, null, null), n, recordings, _ => StoreLoad.ClickHouseBytes(two));
        }
        Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static void Measure(string name, Func<IServeStore> open, long n, List<Row> recordings, Func<IServeStore, long> disk)
    {
        using var store = open();
        var stored = store.CountEvents();
        if (Environment.GetEnvironmentVariable("ESCUDO_BENCH_SEARCH_ONLY") == "1" || stored == n)
        {
            // The searches again over what an earlier run stored (after a schema migration, or a load already done).
            var again = Searches.Select(s => Measure(store, s.Spl)).ToList();
            Console.WriteLine($"| {name} (searches again over {store.CountEvents():#,0} stored events) | - | {string.Join(" | ", again.Select(t => t.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} |");
            Disk(name, store, disk);
            return;
        }

        if (stored > n)
        {
            throw new InvalidOperationException($"{name}: the store holds {stored:#,0} events, more than {n:#,0}; drop its database or folder first");
        }

        // A store holding the first events of an earlier run that stopped is filled up from there:
        // the i-th replayed event is the same in every run.
        var rate = StoreLoad.Fill(name, store, n, stored, i => Replay(recordings, i));
        var times = Searches.Select(s => Measure(store, s.Spl)).ToList();
        Console.WriteLine($"| {name} | {rate:#,0} | {string.Join(" | ", times.Select(t => t.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} |");
        Disk(name, store, disk);
    }

    private static void Disk(string name, IServeStore store, Func<IServeStore, long> disk)
    {
        var bytes = disk(store);
        var count = store.CountEvents();
        Console.WriteLine($"  {name}: {bytes / 1e6:#,0.0} MB on disk for {count:#,0} events, {(count == 0 ? 0 : (double)bytes / count):#,0} bytes per event");
    }

    private static double Measure(IServeStore store, string spl)
    {
        var scoped = new SearchStore(store, CancellationToken.None);
        var context = new SearchContext { Now = 2_000_000_000, Events = scoped, DataModels = scoped };
        return Escudo.Bench.Measure.MedianSeconds(3, () =>
        {
            var compiled = SplEngine.Compile(spl, context);
            if (!compiled.Success || compiled.Search!.Run().Count() != 1)
            {
                throw new InvalidOperationException($"'{spl}' did not give one row: {compiled.Diagnostic?.Message}");
            }
        });
    }

    /// <summary>
    /// Where a commit's time goes on one store: encoding the rows (Escudo's side alone) against the
    /// whole commit (encoding, HTTP, ClickHouse's insert). Arguments: N, a store address, recordings.
    /// </summary>
    public static int Profile(string[] args)
    {
        var n = long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
        var location = ClickHouseLocation.Parse(args[1]);
        var recordings = args[2..].SelectMany(p => InputReader.Read(p)).ToList();
        var rows = Enumerable.Range(0, (int)n).Select(i => Replay(recordings, i)).ToList();
        var all = Enumerable.Range(0, rows.Count).ToList();
        var encoder = new ClickHouseEventRows(new ClickHouseDataModelRows(Escudo.Core.DataModels.DataModelCatalog.Cim));
        encoder.Encode(rows, Enumerable.Range(0, 1000).ToList(), "warm", 1, null); // JIT
        var cpu0 = Cpu();
        var encode = Stopwatch.StartNew();
        var bytes = encoder.Encode(rows, all, "profile", 1, null).Sum(b => (long)b.Body.Length);
        encode.Stop();
        var cpu1 = Cpu();
        using var store = new ClickHouseStore(location, null, null);
        var commit = Stopwatch.StartNew();
        for (var i = 0; i < rows.Count; i += StoreLoad.Batch)
        {
            store.Commit(rows.GetRange(i, Math.Min(StoreLoad.Batch, rows.Count - i)), []);
        }

        commit.Stop();
        var cpu2 = Cpu();
        Console.WriteLine($"{n:#,0} events, {bytes / 1e6:F1} MB RowBinary; encode alone {n / encode.Elapsed.TotalSeconds:#,0} events/s ({cpu1 - cpu0:F1} CPU s); "
            + $"commit {n / commit.Elapsed.TotalSeconds:#,0} events/s ({cpu2 - cpu1:F1} CPU s in this process); load {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static double Cpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The i-th event: a recording's copy, a second later per cycle, on one of 1,000 hosts.</summary>
    internal static Row Replay(List<Row> recordings, long i)
    {
        var row = recordings[(int)(i % recordings.Count)].Clone();
        row.Set(FieldTable.Time, Value.FromNumber(row.Time + (i / recordings.Count)));
        row.Set(FieldTable.Host, Value.FromString("host" + (i % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return row;
    }
}
