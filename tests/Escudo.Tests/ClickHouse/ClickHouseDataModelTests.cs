using System.Collections.Concurrent;
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
using Escudo.Tests.Server;
using Escudo.Tests.Support;
using Xunit.Abstractions;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Data-model rows filled at ingest (<c>dm_rows</c>) against the embedded store, which maps them
/// from its events on every <c>tstats</c>: the same rows in the same order for every CIM dataset,
/// the same results for ESCU's <c>tstats</c> detections, the rows of a database made before the
/// table existed backfilled, and none stored twice when an insert's answer is lost.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseDataModelTests(ClickHouseCluster cluster, ITestOutputHelper output)
{
    [ClickHouseFact]
    public void EveryDatasetsRowsAndEveryTstatsDetectionMatchTheEmbeddedStore()
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var db = Database();
        var dir = TempDir.Create("ch-dm");
        try
        {
            using var duck = new DuckDbStore(dir);
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            var events = Recordings();
            foreach (var chunk in events.Chunk(2_000))
            {
                duck.Commit(chunk, []);
                ch.Commit(chunk, []);
            }

            // tstats detections over both stores, as the scheduler runs them.
            var content = ContentFolder.Load(SharedData.Require("escu"));
            var engine = new DetectionEngine(content);
            var tstats = content.Detections.Where(d => d.Search.TrimStart().StartsWith("| tstats", StringComparison.Ordinal) && engine.Check(d) is null).ToList();
            Assert.True(tstats.Count > 500, $"only {tstats.Count} ESCU tstats detections compile");
            var embedded = new CachedModelRows(duck);
            var cluster2 = new SearchStore(ch, CancellationToken.None);
            var failures = new ConcurrentBag<string>();
            var fired = 0;
            Parallel.ForEach(tstats, new ParallelOptions { MaxDegreeOfParallelism = 2 }, d =>
            {
                var a = Run(engine, d, embedded);
                var b = Run(engine, d, cluster2);
                Interlocked.Add(ref fired, a.Count > 0 && !a[0].StartsWith("error", StringComparison.Ordinal) ? 1 : 0);
                if (!a.SequenceEqual(b, StringComparer.Ordinal))
                {
                    failures.Add($"{d.Name}:\n  embedded: {string.Join("\n            ", a.Take(3))}\n  cluster:  {string.Join("\n            ", b.Take(3))}");
                }
            });
            output.WriteLine($"{events.Count:#,0} events; {tstats.Count} tstats detections, {fired} fire, {failures.Count} differ");
            Assert.True(fired > 10, $"only {fired} tstats detections fired");
            Assert.True(failures.IsEmpty, string.Join("\n\n", failures.Take(10)));

            // With the events gone from ClickHouse, its data-model rows are still all there: tstats reads only them.
            foreach (var node in ch.Nodes)
            {
                node.Execute("TRUNCATE TABLE events");
            }

            Assert.Equal(0, ch.CountEvents());
            var compared = CompareDatasets(duck, ch);
            output.WriteLine($"{compared} datasets with rows, each equal row for row");
            Assert.True(compared >= 5, $"only {compared} datasets have rows");
        }
        finally
        {
            cluster.Drop(db);
            TempDir.Delete(dir);
        }
    }

    [ClickHouseFact]
    public void ADatabaseMadeBeforeDataModelTablesIsBackfilledOnceWhenOpened()
    {
        var db = Database();
        var dir = TempDir.Create("ch-dm");
        try
        {
            var events = Recordings().Take(3_000).ToList();
            using var duck = new DuckDbStore(dir);
            duck.Commit(events, []);
            using (var ch = new ClickHouseStore(cluster.In(db), null, null))
            {
                ch.Commit(events, []);

                // Back to the schema before data-model tables: no rows, migration 3 not recorded
                // (as a database written by the previous release, or a backfill cut short).
                foreach (var node in ch.Nodes)
                {
                    node.Execute("TRUNCATE TABLE dm_rows");
                    node.Execute("TRUNCATE TABLE schema_migrations");
                    node.Execute("INSERT INTO schema_migrations VALUES (1, now()), (2, now())");
                }

                Assert.Equal("0", ch.Nodes[0].Execute("SELECT count() FROM dm_rows_all"));
            }

            using var reopened = new ClickHouseStore(cluster.In(db), null, null);
            Assert.True(CompareDatasets(duck, reopened) >= 3);
            var rows = reopened.Nodes[0].Execute("SELECT count() FROM dm_rows_all");
            using var again = new ClickHouseStore(cluster.In(db), null, null); // migrated: not backfilled twice
            Assert.Equal(rows, again.Nodes[0].Execute("SELECT count() FROM dm_rows_all"));
            Assert.Equal(ClickHouseSchema.Migrations(null, db).Count.ToString(System.Globalization.CultureInfo.InvariantCulture), again.Nodes[0].Execute("SELECT max(version) FROM schema_migrations"));
        }
        finally
        {
            cluster.Drop(db);
            TempDir.Delete(dir);
        }
    }

    [ClickHouseFact]
    public void DataModelRowsWhoseInsertAnswerIsLostAreNotStoredTwice()
    {
        var db = Database();
        var dir = TempDir.Create("ch-dm");
        try
        {
            // The data-model rows of the first node's shard reach ClickHouse, the answer does not:
            // the retry sends that shard's events, and no data-model row again.
            using var proxy = new AnswerDroppingProxy(cluster.Location.Hosts[0], "INSERT%20INTO%20dm_rows");
            var location = cluster.In(db) with { Hosts = [proxy.Address, .. cluster.Location.Hosts.Skip(1)] };
            using var ch = new ClickHouseStore(location, null, null);
            using var duck = new DuckDbStore(dir);
            var events = Recordings().Take(2_000).ToList();
            ch.Commit(events, []);
            duck.Commit(events, []);
            Assert.Equal(1, proxy.Dropped);
            Assert.Equal(events.Count, ch.CountEvents());
            Assert.True(CompareDatasets(duck, ch) >= 3);
        }
        finally
        {
            cluster.Drop(db);
            TempDir.Delete(dir);
        }
    }

    /// <summary>Every CIM dataset's rows, all time and one time range, from both stores as a search reads them; the number of datasets with rows.</summary>
    private static int CompareDatasets(DuckDbStore duck, ClickHouseStore ch)
    {
        var withRows = 0;
        var a = new SearchStore(duck, CancellationToken.None);
        var b = new SearchStore(ch, CancellationToken.None);
        foreach (var dataset in DataModelCatalog.Cim.Datasets)
        {
            var all = a.Rows(dataset, ScanRequest.All).Select(r => ResultJson.ToJsonLine(r)).ToList();
            Assert.Equal(all, b.Rows(dataset, ScanRequest.All).Select(r => ResultJson.ToJsonLine(r)).ToList());
            if (all.Count == 0)
            {
                continue;
            }

            withRows++;
            var times = a.Rows(dataset, ScanRequest.All).Select(r => r.Time).Where(double.IsFinite).Order().ToList();
            var range = new ScanRequest(new TimeRange(times[times.Count / 4], times[times.Count * 3 / 4]));
            var some = a.Rows(dataset, range).Select(r => ResultJson.ToJsonLine(r)).ToList();
            Assert.Equal(some, b.Rows(dataset, range).Select(r => ResultJson.ToJsonLine(r)).ToList());
        }

        return withRows;
    }

    /// <summary>A detection's results as JSON lines, or its error as one line (both stores must fail alike).</summary>
    private static List<string> Run(DetectionEngine engine, Detection d, IStore store)
    {
        var compiled = DetectionEngine.Compile(d, engine.ContextFor(store, 2_000_000_000), out var error);
        if (compiled is not { Success: true })
        {
            return ["error compile: " + error];
        }

        try
        {
            return [.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r))];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ["error run: " + e.GetType().Name + ": " + e.Message];
        }
    }

    /// <summary>The real Windows recordings of EVTX-ATTACK-SAMPLES (Sysmon, Security, PowerShell: many CIM datasets).</summary>
    private static List<Row> Recordings() => [.. InputReader.Read(SharedData.Require(Path.Combine("datasets", "EVTX-ATTACK-SAMPLES")))];

    private static string Database() => "escudo_m" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// The embedded store as a search sees it, with each dataset's all-time rows mapped once and
    /// handed out as copies (the embedded store maps them from a full scan on every tstats).
    /// </summary>
    private sealed class CachedModelRows(IServeStore store) : IStore
    {
        private readonly SearchStore _search = new(store, CancellationToken.None);
        private readonly ConcurrentDictionary<string, Lazy<List<Row>>> _rows = new(StringComparer.Ordinal);

        public DataModelCatalog Catalog => store.Catalog;

        public bool AppliesFilters => false;

        public IEnumerable<Row> Scan(ScanRequest request) => _search.Scan(request);

        public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) =>
            !request.Time.IsAll ? _search.Rows(dataset, request)
                : _rows.GetOrAdd(dataset.FullName, _ => new Lazy<List<Row>>(() => [.. _search.Rows(dataset, ScanRequest.All)])).Value.Select(r => r.Clone());
    }
}
