using System.Diagnostics;
using System.Globalization;
using Escudo.Core.Events;
using Escudo.Ingest.Sources;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Spl;
using Escudo.Spl.Execution;

namespace Escudo.Bench;

/// <summary>
/// The serve stores at 10 M and 100 M events, which committing every event through Escudo cannot
/// reach on this machine (63-97 µs of Escudo's CPU per event: hours per store). A base of B
/// replayed events is committed through the store API (<see cref="IServeStore.Commit"/>, what
/// HEC's commit queue calls), which gives the ingestion rate per node and the CPU per event of
/// Escudo and of the servers; then the store grows to N events by copies of the committed rows
/// made by the database itself (ClickHouse: <see cref="ClickHouseCopies"/>; DuckDB:
/// <see cref="DuckDbCopies"/>): each copy with its times moved by the base's replay span and its
/// hosts renamed. Then the searches of <see cref="ClickHouseStoreBench"/>, median of 3, with the
/// CPU of Escudo and of the servers per search, and the bytes on disk. Rows beyond the base are
/// server-side copies of committed rows, and the output says so.
/// </summary>
internal static class ScaleBench
{
    /// <summary>Arguments: N, B (the base committed through Escudo), the cluster's address, recordings to replay.</summary>
    public static int Run(string[] args)
    {
        var n = long.Parse(args[0], CultureInfo.InvariantCulture);
        var baseCount = long.Parse(args[1], CultureInfo.InvariantCulture);
        var cluster = ClickHouseLocation.Parse(args[2]);
        var recordings = args[3..].SelectMany(p => InputReader.Read(p)).ToList();
        if (n % baseCount != 0 || n < baseCount)
        {
            throw new ArgumentException($"N ({n:#,0}) must be a whole number of bases ({baseCount:#,0})");
        }

        // The replay moves each cycle over the recordings a second later: copy c moves the base by c × its cycles, as the replay's later cycles are.
        var span = Math.Ceiling((double)baseCount / recordings.Count);
        Console.WriteLine($"{n:#,0} events: the first {baseCount:#,0} replayed from {recordings.Count:#,0} recorded ones and committed through Escudo; "
            + $"the other {n - baseCount:#,0} are server-side copies of those committed rows ({n / baseCount - 1} copies, INSERT ... SELECT in the database, "
            + $"times moved by {span:F0} s per copy, hosts renamed HOST-cC), not committed through Escudo. Load before: {Load()}");
        var servers = ServerCpu.FromClusterDir(Environment.GetEnvironmentVariable("ESCUDO_BENCH_CLUSTER_DIR"));
        var stores = (Environment.GetEnvironmentVariable("ESCUDO_BENCH_STORES") ?? "ch2,ch1").Split(',');
        foreach (var which in stores)
        {
            switch (which)
            {
                case "ch2":
                    var two = cluster with { Database = "escudo_scale_2" };
                    Measure("ClickHouse, 2 shards", new ClickHouseStore(two, null, null), n, baseCount, span, recordings, servers, () => StoreLoad.ClickHouseBytes(two));
                    break;
                case "ch1":
                    var one = new ClickHouseLocation([cluster.Hosts[0]], "escudo_scale_1", null);
                    Measure("ClickHouse, 1 shard", new ClickHouseStore(one, null, null), n, baseCount, span, recordings, servers, () => StoreLoad.ClickHouseBytes(one));
                    break;
                case "duck":
                    // ESCUDO_BENCH_DUCK_EVENTS: DuckDB's size (its 4.8 KB per event may not fit the disk at N).
                    var duckN = long.Parse(Environment.GetEnvironmentVariable("ESCUDO_BENCH_DUCK_EVENTS") ?? n.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                    var dir = Environment.GetEnvironmentVariable("ESCUDO_BENCH_DUCK_DIR") ?? throw new ArgumentException("ESCUDO_BENCH_DUCK_DIR: the DuckDB store's folder");
                    // The memory limit escudo serve gives the embedded store by default (without one, a search over 2 M events took the process past 17 GB, killed by the kernel).
                    var duck = new DuckDbStore(dir, Escudo.Server.ServeOptions.DefaultStoreMemoryLimit);
                    Measure("DuckDB (embedded)", duck, duckN, baseCount, span, recordings, ServerCpu.None, () => StoreLoad.FolderBytes(dir, duck));
                    break;
                default:
                    throw new ArgumentException($"ESCUDO_BENCH_STORES: unknown store '{which}' (ch2, ch1, duck)");
            }
        }

        Console.WriteLine($"load after: {Load()}");
        return 0;
    }

    private static void Measure(string name, IServeStore store, long n, long baseCount, double span, List<Row> recordings, ServerCpu servers, Func<long> disk)
    {
        using var owned = store;
        var stored = store.CountEvents();
        if (stored == 0)
        {
            var cpu = servers.Seconds();
            var rate = StoreLoad.Fill(name, store, baseCount, 0, i => ClickHouseStoreBench.Replay(recordings, i));
            Console.WriteLine($"  {name}: base committed through Escudo at {rate:#,0} events/s; servers' CPU {(servers.Seconds() - cpu) * 1e6 / baseCount:F0} µs per event ({servers}); load {Load()}");
            stored = baseCount;
        }

        if (stored == baseCount && n > baseCount)
        {
            Grow(name, store, (int)(n / baseCount) - 1, span, servers);
            stored = store.CountEvents();
        }

        if (stored != n)
        {
            throw new InvalidOperationException($"{name}: the store holds {stored:#,0} events, not {baseCount:#,0} (the base) or {n:#,0}; drop its database or folder first");
        }

        if (store is ClickHouseStore ch)
        {
            WaitForMerges(name, ch);
        }

        var cells = new List<string>();
        foreach (var (_, spl) in ClickHouseStoreBench.Searches)
        {
            var (seconds, escudo, server) = Search(store, spl, servers);
            cells.Add(string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} ({escudo:F2} + {server:F2})"));
            Console.WriteLine($"    {spl}: {cells[^1]} s (wall, median of 3; CPU s per run of this process + servers); peak working set so far {Escudo.Bench.Measure.PeakMemoryBytes() / 1e9:F1} GB; load {Load()}");
        }

        Console.WriteLine($"| {name}, {n:#,0} events | {string.Join(" | ", cells)} | load {Load()} |");
        var bytes = disk();
        Console.WriteLine($"  {name}: {bytes / 1e6:#,0.0} MB on disk for {n:#,0} events, {(double)bytes / n:#,0} bytes per event");
    }

    private static void Grow(string name, IServeStore store, int copies, double span, ServerCpu servers)
    {
        var clock = Stopwatch.StartNew();
        var cpu = servers.Seconds();
        var own = ProcessCpu();
        long baseCount;
        void Progress(int copy, long rows) =>
            Console.WriteLine($"    copy {copy} of {copies}: {copy * rows / clock.Elapsed.TotalSeconds:#,0} copied events/s so far; load {Load()}");
        if (store is ClickHouseStore ch)
        {
            baseCount = ch.CountEvents();
            ClickHouseCopies.Grow(ch, copies, span, copy => Progress(copy, baseCount));
        }
        else
        {
            var duck = (DuckDbStore)store;
            baseCount = duck.CountEvents();
            DuckDbCopies.Grow(duck, copies, span, copy => Progress(copy, baseCount));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  {name}: {copies * baseCount:#,0} events copied server-side in {seconds:F0} s ({copies * baseCount / seconds:#,0} events/s), "
            + $"CPU per copied event: servers {(servers.Seconds() - cpu) * 1e6 / (copies * baseCount):F1} µs, this process {(ProcessCpu() - own) * 1e6 / (copies * baseCount):F1} µs (DuckDB copies in it); load {Load()}");
    }

    /// <summary>Background merges of the copies' parts compete with the searches: waited for (up to 20 minutes).</summary>
    private static void WaitForMerges(string name, ClickHouseStore store)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(20))
        {
            var merging = store.Nodes.Sum(node => long.Parse(node.Execute("SELECT count() FROM system.merges WHERE database = currentDatabase()"), CultureInfo.InvariantCulture));
            if (merging == 0)
            {
                break;
            }

            Thread.Sleep(5_000);
        }

        var parts = store.Nodes.Select(node => node.Execute("SELECT count() FROM system.parts WHERE active AND database = currentDatabase() AND table = 'events'")).ToList();
        Console.WriteLine($"  {name}: merges waited for {clock.Elapsed.TotalSeconds:F0} s; active events parts per shard: {string.Join(", ", parts)}; load {Load()}");
    }

    /// <summary>The median wall time of 3 runs, and the mean CPU seconds per run of this process and of the servers.</summary>
    private static (double Seconds, double Escudo, double Server) Search(IServeStore store, string spl, ServerCpu servers)
    {
        var scoped = new SearchStore(store, CancellationToken.None);
        var context = new SearchContext { Now = 2_000_000_000, Events = scoped, DataModels = scoped };
        var cpu = ProcessCpu();
        var server = servers.Seconds();
        var seconds = Escudo.Bench.Measure.MedianSeconds(3, () =>
        {
            var compiled = SplEngine.Compile(spl, context);
            if (!compiled.Success || compiled.Search!.Run().Count() != 1)
            {
                throw new InvalidOperationException($"'{spl}' did not give one row: {compiled.Diagnostic?.Message}");
            }
        });
        return (seconds, (ProcessCpu() - cpu) / 3, (servers.Seconds() - server) / 3);
    }

    private static double ProcessCpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Trim();
}
