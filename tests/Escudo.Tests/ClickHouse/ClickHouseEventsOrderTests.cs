using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Detections.Output;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Tests.Server;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Migration 4 (<see cref="ClickHouseEventsOrder"/>): a database whose events table is ordered by
/// time first (as migrations 1-3 left it), with a copy cut short lying beside it, is copied into the
/// new order when opened; the rows are the same, and the pushed-down host and EventCode equalities
/// use the table's key (ClickHouse refuses the query with <c>force_primary_key=1</c> otherwise).
/// Migration 5: a database at version 4 (8,192-row granules) is copied into 1,024-row granules,
/// with the same rows.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseEventsOrderTests(ClickHouseCluster cluster)
{
    [ClickHouseFact]
    public void AnEventsTableOrderedByTimeIsCopiedIntoTheNewOrderAndSearchesUseItsKey()
    {
        var db = "escudo_o" + Guid.NewGuid().ToString("N")[..12];
        var dir = TempDir.Create("ch-order");
        try
        {
            var location = cluster.In(db);
            var events = ClickHouseStoreTests.Events(900);
            var nodes = location.Hosts.Select(h => new ClickHouseNode(h, db, null, null, TimeSpan.FromMinutes(2))).ToList();
            try
            {
                // The schema as the previous release left it, its events written as it wrote them (each shard's own).
                foreach (var node in nodes)
                {
                    node.Execute($"CREATE DATABASE IF NOT EXISTS {db}", inDatabase: false);
                    node.Execute("CREATE TABLE schema_migrations (version UInt32, applied_at DateTime) ENGINE = MergeTree ORDER BY version");
                    ApplyMigrationsBefore(ClickHouseEventsOrder.Version, node, location, db);

                    // A copy cut short by an earlier start: dropped and made again.
                    node.Execute($"CREATE TABLE events_reorder ({ClickHouseSchema.EventColumns()}) ENGINE = MergeTree ORDER BY _time");
                    node.Execute("INSERT INTO events_reorder (host) VALUES ('left over')");
                }

                var encoder = new ClickHouseEventRows(new ClickHouseDataModelRows(DataModelCatalog.Cim));
                new ClickHouseShardedInsert(nodes, encoder).Insert(events, [.. Enumerable.Range(0, events.Count)], "old", 1);
                Assert.DoesNotContain("host_lc", nodes[0].Execute("SHOW CREATE TABLE events"), StringComparison.Ordinal);
            }
            finally
            {
                nodes.ForEach(n => n.Dispose());
            }

            using var ch = new ClickHouseStore(location, null, null);
            using var duck = new DuckDbStore(dir);
            duck.Commit(events, []);
            foreach (var node in ch.Nodes)
            {
                var create = node.Execute("SHOW CREATE TABLE events");
                Assert.Contains("host_lc", create, StringComparison.Ordinal);
                Assert.Contains("ORDER BY (intDiv(toInt64(_time), 604800), event_code, host_lc, _time)", create, StringComparison.Ordinal);
                Assert.Contains("index_granularity = 1024", create, StringComparison.Ordinal);
                Assert.Equal("0", node.Execute("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name IN ('events_reorder', 'events_before_reorder')"));
            }

            Assert.Equal(events.Count, ch.CountEvents());
            var all = duck.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).Select(r => ResultJson.ToJsonLine(r)).ToList();
            Assert.Equal(all, ch.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).Select(r => ResultJson.ToJsonLine(r)).ToList());

            // One host's events of one EventCode, in a time range: the key answers (force_primary_key refuses a full scan).
            var pushdown = new Pushdown(new Dictionary<string, IReadOnlyList<string>> { ["host"] = ["ws-7"], ["EventCode"] = ["1"] });
            var where = ClickHouseSql.Where(new TimeRange(1_700_000_100, 1_700_000_800), pushdown)!;
            var keyed = ch.Nodes[0].Execute($"SELECT count() FROM events_all WHERE {where}", settings: new Dictionary<string, string> { ["force_primary_key"] = "1" });
            var expected = duck.Scan(new ScanRequest(new TimeRange(1_700_000_100, 1_700_000_800)), Pushdown.None, CancellationToken.None)
                .Count(r => string.Equals(r.Get(FieldTable.Host).FirstString(), "WS-7", StringComparison.OrdinalIgnoreCase) && r.Get("EventCode").FirstString() == "1");
            Assert.True(expected > 0);

            // host alone (the key's third column) is a key condition too: it is compared as host_lc, not lowerUTF8(host).
            var hostOnly = ClickHouseSql.Where(TimeRange.All, new Pushdown(new Dictionary<string, IReadOnlyList<string>> { ["host"] = ["WS-7"] }))!;
            var ofHost = ch.Nodes[0].Execute($"SELECT count() FROM events_all WHERE {hostOnly}", settings: new Dictionary<string, string> { ["force_primary_key"] = "1" });
            Assert.Equal(events.Count(r => r.Get(FieldTable.Host).FirstString() == "WS-7").ToString(System.Globalization.CultureInfo.InvariantCulture), ofHost);
            Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), keyed);
        }
        finally
        {
            cluster.Drop(db);
            TempDir.Delete(dir);
        }
    }

    [ClickHouseFact]
    public void AnEventsTableOfTheDefaultGranularityIsCopiedIntoSmallerGranulesWithTheSameRows()
    {
        var db = "escudo_g" + Guid.NewGuid().ToString("N")[..12];
        var dir = TempDir.Create("ch-granules");
        try
        {
            var location = cluster.In(db);
            var events = ClickHouseStoreTests.Events(3000);
            var nodes = location.Hosts.Select(h => new ClickHouseNode(h, db, null, null, TimeSpan.FromMinutes(2))).ToList();
            try
            {
                // Version 4 as the previous release left it: the new order, ClickHouse's default granules.
                foreach (var node in nodes)
                {
                    node.Execute($"CREATE DATABASE IF NOT EXISTS {db}", inDatabase: false);
                    node.Execute("CREATE TABLE schema_migrations (version UInt32, applied_at DateTime) ENGINE = MergeTree ORDER BY version");
                    ApplyMigrationsBefore(ClickHouseEventsOrder.Version, node, location, db);
                    node.Execute("DROP TABLE events");
                    node.Execute($"CREATE TABLE events ({ClickHouseSchema.EventColumns()}, host_lc String MATERIALIZED lowerUTF8(host)) ENGINE = MergeTree ORDER BY {ClickHouseEventsOrder.OrderBy}");
                    node.Execute($"INSERT INTO schema_migrations VALUES ({ClickHouseEventsOrder.Version}, now())");
                }

                var encoder = new ClickHouseEventRows(new ClickHouseDataModelRows(DataModelCatalog.Cim));
                new ClickHouseShardedInsert(nodes, encoder).Insert(events, [.. Enumerable.Range(0, events.Count)], "old", 1);
                Assert.Contains("index_granularity = 8192", nodes[0].Execute($"SELECT engine_full FROM system.tables WHERE database = '{db}' AND name = 'events'"), StringComparison.Ordinal);
            }
            finally
            {
                nodes.ForEach(n => n.Dispose());
            }

            using var ch = new ClickHouseStore(location, null, null);
            using var duck = new DuckDbStore(dir);
            duck.Commit(events, []);
            foreach (var node in ch.Nodes)
            {
                Assert.Contains("index_granularity = 1024", node.Execute("SHOW CREATE TABLE events"), StringComparison.Ordinal);
                Assert.Equal("5", node.Execute("SELECT max(version) FROM schema_migrations"));
            }

            Assert.Equal(events.Count, ch.CountEvents());
            var all = duck.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).Select(r => ResultJson.ToJsonLine(r)).ToList();
            Assert.Equal(all, ch.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).Select(r => ResultJson.ToJsonLine(r)).ToList());
        }
        finally
        {
            cluster.Drop(db);
            TempDir.Delete(dir);
        }
    }

    /// <summary>Applies the shipped migrations before <paramref name="version"/> to one shard, as an earlier release did.</summary>
    private static void ApplyMigrationsBefore(int version, ClickHouseNode node, Escudo.Server.Storage.ClickHouse.ClickHouseLocation location, string db)
    {
        var migrations = ClickHouseSchema.Migrations(location.Cluster, db);
        for (var i = 0; i < version - 1; i++)
        {
            foreach (var statement in migrations[i].Where(s => s.Length > 0))
            {
                node.Execute(statement);
            }

            node.Execute($"INSERT INTO schema_migrations VALUES ({i + 1}, now())");
        }
    }
}
