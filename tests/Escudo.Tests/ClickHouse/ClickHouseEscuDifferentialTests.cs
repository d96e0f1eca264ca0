using System.Collections.Concurrent;
using System.Diagnostics;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Running;
using Escudo.Ingest.Sources;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Spl;
using Escudo.Spl.Planning.Pushdown;
using Escudo.Spl.Syntax.Ast;
using Escudo.Tests.Server;
using Escudo.Tests.Support;
using Xunit.Abstractions;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Every ESCU detection that <c>escudo check</c> supports runs over the shared datasets' real event
/// logs through the embedded DuckDB store and through the ClickHouse store on the two-shard
/// cluster, each scan with the pushdown the planner builds, as <c>escudo serve</c> runs a search:
/// the same result rows, in the same order when the search sorts, as the same multiset when it
/// does not (both stores return events in commit order, so a difference in order alone is reported
/// apart). Each store answers every scan through its own scan; a query several detections send
/// alike is sent once (<see cref="SharedScanStore"/>). By default the EVTX folders and
/// security_content (21,058 events, every Sysmon EventID from 1 to 23 but 9 and 14, Security,
/// PowerShell, System); with ESCUDO_CLICKHOUSE_ESCU_ALL=1 every dataset, Security-Datasets'
/// NXLog-flattened recordings included (227,942 events: 0 differ, but 27.7 minutes at load 19-37,
/// over CI's budget; bench/RESULTS.md §7c, fourth session).
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseEscuDifferentialTests(ClickHouseCluster cluster, ITestOutputHelper output)
{
    /// <summary>Events per commit: a large HEC-sized batch for the embedded store, a large insert for ClickHouse.</summary>
    private const int DuckBatch = 20_000;

    private const int ClickHouseBatch = 50_000;

    /// <summary>The folders of the shared datasets read by default (see the class summary).</summary>
    private static readonly string[] DefaultFolders = ["EVTX-ATTACK-SAMPLES", "EVTX-to-MITRE-Attack", "DeepBlueCLI", "security_content"];

    [ClickHouseFact]
    public void EscuDetectionsOverTheDatasetsGiveTheSameResultsOnTheClusterAsOnTheEmbeddedStore()
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var content = ContentFolder.Load(SharedData.Require("escu"));
        var engine = new DetectionEngine(content);
        var detections = content.Detections.Where(d => engine.Check(d) is null).ToList();
        Assert.True(detections.Count > 1000, $"only {detections.Count} ESCU detections compile");

        var db = "escudo_e" + Guid.NewGuid().ToString("N")[..12];
        var dir = TempDir.Create("ch-escu");
        var clock = Stopwatch.StartNew();
        var phases = new List<string>();
        void Phase(string name) => phases.Add($"{name} {clock.Elapsed.TotalSeconds:F1} s");
        try
        {
            using var duck = new DuckDbStore(dir);
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            var all = Environment.GetEnvironmentVariable("ESCUDO_CLICKHOUSE_ESCU_ALL") == "1";
            var folders = all ? [SharedData.Require("datasets")] : DefaultFolders.Select(f => SharedData.Require(Path.Combine("datasets", f))).ToArray();
            var read = folders.SelectMany(f => InputReader.Read(f)).ToList();
            Phase("read");
            Assert.True(read.Count > (all ? 200_000 : 19_000), $"only {read.Count} events read from the datasets");

            // The two stores take the events at once, each in large commits.
            Parallel.Invoke(() => Commit(duck, read, DuckBatch), () => Commit(ch, read, ClickHouseBatch));
            Phase("ingest");
            Assert.Equal(read.Count, duck.CountEvents());
            Assert.Equal(read.Count, ch.CountEvents());
            var events = read.Count;
            read = null;

            var now = 2_000_000_000.0; // after every event: the detections' time range is all time, as in a hunt
            var fromDuck = SharedScanStore.Of(duck);
            var fromCh = SharedScanStore.Of(ch);
            var failures = new ConcurrentBag<string>();
            var orderOnly = new ConcurrentBag<string>();
            int fired = 0, errors = 0, scans = 0, pushedWhole = 0;
            long rows = 0;
            var times = new ConcurrentBag<(string Name, double Embedded, double Cluster)>(); // where the time goes, in the output
            // Two detections per core: one waits for ClickHouse while the other decodes the embedded store's rows.
            Parallel.ForEach(detections, new ParallelOptions { MaxDegreeOfParallelism = 2 * Environment.ProcessorCount }, d =>
            {
                var watch = Stopwatch.StartNew();
                var a = Run(engine, d, fromDuck, now);
                var embedded = watch.Elapsed.TotalSeconds;
                var b = Run(engine, d, fromCh, now);
                times.Add((d.Name, embedded, watch.Elapsed.TotalSeconds - embedded));
                if (a.Leading is not null)
                {
                    Interlocked.Increment(ref scans);
                    Interlocked.Add(ref pushedWhole, ClickHouseSql.IsExact(ScanConditionBuilder.From(a.Leading.Expr)) ? 1 : 0);
                }

                Interlocked.Add(ref fired, a.Rows.Count > 0 ? 1 : 0);
                Interlocked.Add(ref rows, a.Rows.Count);
                Interlocked.Add(ref errors, a.Error is null ? 0 : 1);
                Compare(d, a, b, failures, orderOnly);
            });
            Phase("detections");

            output.WriteLine(
                $"{events:#,0} events in both stores; {detections.Count} detections run through both: {fired} fired ({rows:#,0} result rows), {errors} failed alike on both, "
                + $"{failures.Count} differ, {orderOnly.Count} differ in row order only (no sort); {scans} start with a search, of which {pushedWhole} "
                + $"({(scans == 0 ? 0 : 100.0 * pushedWhole / scans):F0}%) had their whole filter pushed down as SQL; cluster: {fromCh.Distinct} distinct event queries, {fromCh.Sent} sent; "
                + $"embedded store: {fromDuck.Distinct} distinct, {fromDuck.Sent} sent; load {File.ReadAllText("/proc/loadavg").Trim()}; "
                + $"time: {string.Join(", ", phases)}; detections' own time {times.Sum(t => t.Embedded):F0} s on the embedded store, {times.Sum(t => t.Cluster):F0} s on the cluster; slowest: "
                + string.Join("; ", times.OrderByDescending(t => t.Embedded + t.Cluster).Take(5).Select(t => $"{t.Name} {t.Embedded:F1} + {t.Cluster:F1} s")));
            Assert.True(fired > 100, $"only {fired} detections fired: the datasets did not load as expected");
            Assert.True(failures.IsEmpty, string.Join("\n\n", failures.Take(20)));
        }
        finally
        {
            cluster.Drop(db);
            TempDir.Delete(dir);
        }
    }

    private static void Compare(Detection d, Outcome a, Outcome b, ConcurrentBag<string> failures, ConcurrentBag<string> orderOnly)
    {
        if (a.Error != b.Error)
        {
            failures.Add($"{d.Name}: embedded error {a.Error ?? "none"}, cluster error {b.Error ?? "none"}");
        }
        else if (!a.Rows.SequenceEqual(b.Rows, StringComparer.Ordinal))
        {
            var sameSet = a.Rows.Order(StringComparer.Ordinal).SequenceEqual(b.Rows.Order(StringComparer.Ordinal), StringComparer.Ordinal);
            if (sameSet && !a.Sorts)
            {
                orderOnly.Add(d.Name);
            }
            else
            {
                failures.Add($"{d.Name} ({a.Rows.Count} rows embedded, {b.Rows.Count} cluster):\n  embedded: {string.Join("\n            ", a.Rows.Take(5))}\n  cluster:  {string.Join("\n            ", b.Rows.Take(5))}");
            }
        }
    }

    /// <summary>Commits the events to a store in batches of <paramref name="batch"/>.</summary>
    private static void Commit(IServeStore store, List<Row> events, int batch)
    {
        for (var i = 0; i < events.Count; i += batch)
        {
            store.Commit(events.GetRange(i, Math.Min(batch, events.Count - i)), []);
        }
    }

    private sealed record Outcome(List<string> Rows, string? Error, bool Sorts, SearchCommand? Leading);

    /// <summary>Runs one detection as the scheduler does (its search over the store), its results as JSON lines.</summary>
    private static Outcome Run(DetectionEngine engine, Detection d, IStore store, double now)
    {
        var compiled = DetectionEngine.Compile(d, engine.ContextFor(store, now), out var error);
        if (compiled is not { Success: true })
        {
            return new Outcome([], error ?? "compile: " + DetectionEngine.Describe(compiled!), false, null);
        }

        var commands = compiled.Syntax!.Commands;
        var sorts = commands.Any(c => c is SortCommand);
        var leading = commands[0] as SearchCommand;
        try
        {
            return new Outcome([.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r))], null, sorts, leading);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new Outcome([], "run: " + e.GetType().Name + ": " + e.Message, sorts, leading);
        }
    }
}
