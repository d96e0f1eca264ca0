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
            var rowsOnly = new ClickHouseAggregatePushdownTests.RowsOnly(new SearchStore(ch, CancellationToken.None));
            var failures = new ConcurrentBag<string>();
            var fired = 0;
            var pushed = 0;
            Parallel.ForEach(tstats, new ParallelOptions { MaxDegreeOfParallelism = 2 }, d =>
            {
                // The cluster twice: aggregated in ClickHouse where it takes the request, and aggregated by the engine from its rows (with evidence compared).
                var asked = new CountingAggregates(new SearchStore(ch, CancellationToken.None));
                var a = Run(engine, d, embedded);
                var b = Run(engine, d, asked, withEvidence: true);
                var c = Run(engine, d, rowsOnly, withEvidence: true);
                Interlocked.Add(ref fired, a.Count > 0 && !a[0].StartsWith("error", StringComparison.Ordinal) ? 1 : 0);
                Interlocked.Add(ref pushed, asked.Answered > 0 && asked.Answered == TstatsCount(d.Search) ? 1 : 0);
                if (!a.SequenceEqual(b.Select(WithoutEvidence), StringComparer.Ordinal) || !b.SequenceEqual(c, StringComparer.Ordinal))
                {
                    // From the first line that differs.
                    var at = Enumerable.Range(0, Math.Max(b.Count, c.Count)).FirstOrDefault(i => i >= a.Count || i >= b.Count || i >= c.Count || a[i] != WithoutEvidence(b[i]) || b[i] != c[i]);
                    failures.Add($"{d.Name} ({a.Count}, {b.Count}, {c.Count} rows; line {at} differs):\n  embedded: {string.Join("\n            ", a.Skip(at).Take(3))}\n  pushed:   {string.Join("\n            ", b.Skip(at).Take(3))}\n  rows:     {string.Join("\n            ", c.Skip(at).Take(3))}");
                }
            });
            output.WriteLine($"{events.Count:#,0} events; {tstats.Count} tstats detections, {fired} fire, {failures.Count} differ; "
                + $"{pushed} ({100.0 * pushed / tstats.Count:0}%) had every tstats aggregated in ClickHouse");
            Assert.True(failures.IsEmpty, string.Join("\n\n", failures.Take(10)));
            Assert.True(fired > 10, $"only {fired} tstats detections fired");
            Assert.True(pushed > tstats.Count / 4, $"only {pushed} of {tstats.Count} tstats detections were aggregated in ClickHouse");

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

    /// <summary>The number of tstats commands in a detection's search (before macros: ESCU writes them out).</summary>
    private static int TstatsCount(string search) => System.Text.RegularExpressions.Regex.Count(search, @"\btstats\b");

    private static string WithoutEvidence(string line) => line.Split(EvidenceMark)[0];

    private const string EvidenceMark = " \u0001evidence ";

    /// <summary>A detection's results as JSON lines (with each row's evidence when asked), or its error as one line (both stores must fail alike).</summary>
    private static List<string> Run(DetectionEngine engine, Detection d, IStore store, bool withEvidence = false)
    {
        var compiled = DetectionEngine.Compile(d, engine.ContextFor(store, 2_000_000_000), out var error);
        if (compiled is not { Success: true })
        {
            return ["error compile: " + error];
        }

        try
        {
            return [.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r) + (withEvidence ? EvidenceMark + ClickHouseAggregatePushdownTests.EvidenceText(r.Evidence) : string.Empty))];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ["error run: " + e.GetType().Name + ": " + e.Message];
        }
    }

    /// <summary>A store that counts the aggregates its inner store answered.</summary>
    private sealed class CountingAggregates(SearchStore inner) : IStore, IAggregateSource
    {
        private int _answered;

        public int Answered => _answered;

        public DataModelCatalog Catalog => inner.Catalog;

        public bool AppliesFilters => inner.AppliesFilters;

        public IEnumerable<Row> Scan(ScanRequest request) => inner.Scan(request);

        public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) => inner.Rows(dataset, request);

        public IReadOnlyList<AggregateGroup>? Aggregate(DataModelDataset dataset, AggregateRequest request)
        {
            var groups = inner.Aggregate(dataset, request);
            if (groups is not null)
            {
                Interlocked.Increment(ref _answered);
            }

            return groups;
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
