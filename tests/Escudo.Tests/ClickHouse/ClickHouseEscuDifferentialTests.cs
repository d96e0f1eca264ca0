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
/// Every ESCU detection that <c>escudo check</c> supports runs over the shared datasets' real
/// Windows event logs (the EVTX folders and security_content: 19,771 events with every Sysmon
/// EventID from 1 to 23 but 9 and 14, Security, PowerShell and System events; the 188,285
/// NXLog-flattened events of Security-Datasets only with ESCUDO_CLICKHOUSE_ESCU_ALL=1, since with
/// them the run takes over 15 minutes on a loaded 2-core machine) through the embedded DuckDB store and through the
/// ClickHouse store on the two-shard cluster, as <c>escudo serve</c> runs a search (each scan with
/// the pushdown the planner builds): the same result rows, in the same order when the search
/// sorts, as the same multiset when it does not (both stores return events in commit order, so a
/// difference in order alone is reported apart).
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseEscuDifferentialTests(ClickHouseCluster cluster, ITestOutputHelper output)
{
    /// <summary>Events per commit: a HEC-sized batch for the embedded store, a large insert for ClickHouse.</summary>
    private const int Batch = 20_000;

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
        try
        {
            using var duck = new DuckDbStore(dir);
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            var all = Environment.GetEnvironmentVariable("ESCUDO_CLICKHOUSE_ESCU_ALL") == "1";
            var folders = all ? [SharedData.Require("datasets")] : DefaultFolders.Select(f => SharedData.Require(Path.Combine("datasets", f))).ToArray();
            var events = Ingest(folders, duck, ch);
            var ingestSeconds = clock.Elapsed.TotalSeconds;
            Assert.True(events > (all ? 200_000 : 19_000), $"only {events} events read from the datasets");
            Assert.Equal(events, duck.CountEvents());
            Assert.Equal(events, ch.CountEvents());

            var now = 2_000_000_000.0; // after every event: the detections' time range is all time, as in a hunt
            var fromDuck = new DataModelRowCache(duck);
            var fromCh = new DataModelRowCache(ch);
            var failures = new ConcurrentBag<string>();
            var orderOnly = new ConcurrentBag<string>();
            int fired = 0, errors = 0, scans = 0, pushedWhole = 0;
            Parallel.ForEach(detections, new ParallelOptions { MaxDegreeOfParallelism = 2 }, d =>
            {
                var a = Run(engine, d, fromDuck, now);
                var b = Run(engine, d, fromCh, now);
                if (a.Leading is not null)
                {
                    Interlocked.Increment(ref scans);
                    Interlocked.Add(ref pushedWhole, ClickHouseSql.IsExact(ScanConditionBuilder.From(a.Leading.Expr)) ? 1 : 0);
                }

                Interlocked.Add(ref fired, a.Rows.Count > 0 ? 1 : 0);
                Interlocked.Add(ref errors, a.Error is null ? 0 : 1);
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
            });

            output.WriteLine(
                $"{events:#,0} events ingested into both stores in {ingestSeconds:F0} s; {detections.Count} detections run through both in {clock.Elapsed.TotalSeconds - ingestSeconds:F0} s: "
                + $"{fired} fired, {errors} failed alike on both, {failures.Count} differ, {orderOnly.Count} differ in row order only (no sort); "
                + $"{scans} start with a search, of which {pushedWhole} ({(scans == 0 ? 0 : 100.0 * pushedWhole / scans):F0}%) had their whole filter pushed down as SQL");
            Assert.True(fired > 100, $"only {fired} detections fired: the datasets did not load as expected");
            Assert.True(failures.IsEmpty, string.Join("\n\n", failures.Take(20)));
        }
        finally
        {
            cluster.Drop(db);
            TempDir.Delete(dir);
        }
    }

    /// <summary>Reads the folders once and commits them to both stores, batch by batch; the number of events.</summary>
    private static long Ingest(string[] folders, DuckDbStore duck, ClickHouseStore ch)
    {
        var batch = new List<Row>(Batch);
        long count = 0;
        foreach (var row in folders.SelectMany(f => InputReader.Read(f)))
        {
            batch.Add(row);
            if (batch.Count == Batch)
            {
                Commit();
            }
        }

        Commit();
        return count;

        void Commit()
        {
            if (batch.Count == 0)
            {
                return;
            }

            duck.Commit(batch, []);
            ch.Commit(batch, []);
            count += batch.Count;
            batch = new List<Row>(Batch);
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

    /// <summary>
    /// One store as a search sees it in <c>escudo serve</c> (<see cref="SearchStore"/>: each scan
    /// with its pushdown), except that a data model's rows, which <see cref="SearchStore"/> maps
    /// from a full scan of the store on every <c>tstats</c>, are mapped the same way from one full
    /// scan of this store made once, once per dataset, and handed out as copies: 1,500 detections
    /// would otherwise scan every event hundreds of times. The rows still come from this store: on
    /// ClickHouse, from its data-model rows filled at ingest (read once per dataset).
    /// </summary>
    private sealed class DataModelRowCache(IServeStore store) : IStore
    {
        private readonly SearchStore _search = new(store, CancellationToken.None);
        private readonly Lazy<List<Row>> _all = new(() => [.. store.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None)]);
        private readonly ConcurrentDictionary<string, Lazy<List<Row>>> _rows = new(StringComparer.Ordinal);

        public DataModelCatalog Catalog => store.Catalog;

        public bool AppliesFilters => false;

        public IEnumerable<Row> Scan(ScanRequest request) => _search.Scan(request);

        public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) =>
            !request.Time.IsAll ? _search.Rows(dataset, request)
                : _rows.GetOrAdd(dataset.FullName, _ => new Lazy<List<Row>>(() => store is IDataModelRowStore
                        ? [.. _search.Rows(dataset, ScanRequest.All)] // the data-model rows the cluster filled at ingest
                        : [.. _all.Value.Where(e => DataModelMapper.Matches(dataset, e)).Select(e => DataModelMapper.Project(dataset, e))]))
                    .Value.Select(r => r.Clone());
    }
}
