using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Ingest.Sources;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Tests.Support;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// The bench's server-side copies (<see cref="ClickHouseCopies"/>): a store grown by copying its
/// committed events inside ClickHouse holds exactly what a store holds after Escudo committed the
/// same events with the copies' times and hosts: every event and data-model row alike, in the same
/// order, each on the shard Escudo writes its host to, and searches and <c>tstats</c> answer alike
/// (each renamed host counts what its base host counts).
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseCopiesTests(ClickHouseCluster cluster)
{
    private const int Copies = 2;

    /// <summary>Seconds per copy, with a fraction (the typed row's time is rewritten in SQL: its text must read back as the same number).</summary>
    private const double Shift = 1_234_567.25;

    [ClickHouseFact]
    public void CopiesMadeInClickHouseEqualTheSameEventsCommittedThroughEscudo()
    {
        var grown = "escudo_cp" + Guid.NewGuid().ToString("N")[..12];
        var committed = "escudo_cq" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            var baseEvents = BaseEvents();
            using var a = new ClickHouseStore(cluster.In(grown), null, null);
            a.Commit(baseEvents, []);
            Assert.Equal(baseEvents.Count, ClickHouseCopies.Grow(a, Copies, Shift));
            Assert.Equal(baseEvents.Count * (Copies + 1), a.CountEvents());

            // The same events with the copies' times and hosts, committed by Escudo (base first, then each copy, as the copies' commit order is).
            using var b = new ClickHouseStore(cluster.In(committed), null, null);
            b.Commit(baseEvents, []);
            for (var copy = 1; copy <= Copies; copy++)
            {
                b.Commit([.. baseEvents.Select(e => Moved(e, copy))], []);
            }

            Assert.Equal(Lines(b.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None)), Lines(a.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None)));
            var datasets = 0;
            foreach (var dataset in DataModelCatalog.Cim.Datasets)
            {
                var expected = Lines(b.Rows(dataset, ScanRequest.All));
                Assert.Equal(expected, Lines(a.Rows(dataset, ScanRequest.All)));
                datasets += expected.Count > 0 ? 1 : 0;
            }

            Assert.True(datasets >= 3, $"only {datasets} datasets have rows");

            // Each shard holds the hosts Escudo writes to it, as many events of each.
            for (var shard = 0; shard < a.Nodes.Count; shard++)
            {
                const string byHost = "SELECT host, count() FROM events GROUP BY host ORDER BY host FORMAT TabSeparated";
                Assert.Equal(b.Nodes[shard].Execute(byHost), a.Nodes[shard].Execute(byHost));
                Assert.Equal(b.Nodes[shard].Execute(byHost.Replace("events", "dm_rows", StringComparison.Ordinal)), a.Nodes[shard].Execute(byHost.Replace("events", "dm_rows", StringComparison.Ordinal)));
            }

            // Searches and tstats (aggregated in ClickHouse) answer alike; a renamed host counts what its base host counts.
            foreach (var spl in new[] { "search * | stats count by host EventCode", "| tstats count from datamodel=Endpoint.Processes by host Processes.process_name" })
            {
                var got = Search(a, spl);
                Assert.Equal(Lines(Search(b, spl)), Lines(got));
                var counts = got.Select(r => (Host: r.Get(FieldTable.Host).FirstString()!, Others: ResultJson.ToJsonLine(Without(r, FieldTable.Host)))).ToList();
                var baseCounts = counts.Where(c => !c.Host.Contains("-c", StringComparison.Ordinal)).ToList();
                Assert.NotEmpty(baseCounts);
                foreach (var (host, rest) in baseCounts.Where(c => c.Host.Length > 0))
                {
                    Assert.Contains((ClickHouseCopies.Host(host, Copies), rest), counts);
                }
            }

            var error = Assert.Throws<InvalidOperationException>(() => ClickHouseCopies.Grow(a, 1, Shift));
            Assert.Contains("holds copies already", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var host in cluster.Location.Hosts)
            {
                using var each = new ClickHouseNode(host, "default", null, null, TimeSpan.FromMinutes(1));
                each.Execute($"DROP DATABASE IF EXISTS {grown}", inDatabase: false);
                each.Execute($"DROP DATABASE IF EXISTS {committed}", inDatabase: false);
            }
        }
    }

    /// <summary>
    /// Real Windows events (many CIM datasets) on 7 hosts as the bench replays them, plus events with
    /// hard values: a host with a quote and a backslash, none, a time that is not a number, multivalues.
    /// </summary>
    private static List<Row> BaseEvents()
    {
        var recordings = InputReader.Read(SharedData.Require(Path.Combine("datasets", "EVTX-ATTACK-SAMPLES"))).Where((_, i) => i % 3 == 0).ToList();
        for (var i = 0; i < recordings.Count; i++)
        {
            recordings[i].Set(FieldTable.Host, Value.FromString(i % 50 == 0 ? "we\"ird\\host" : "host" + (i % 7)));
        }

        recordings[5].Remove(FieldTable.Host);
        return [.. recordings, .. ClickHouseStoreTests.Events(40)];
    }

    /// <summary>What copy <paramref name="copy"/> of an event is: its time moved, its host renamed.</summary>
    private static Row Moved(Row ev, int copy)
    {
        var row = ev.Clone();
        row.Set(FieldTable.Time, Value.FromNumber(ev.Time + (copy * Shift)));
        if (ev.Get(FieldTable.Host).FirstString() is { Length: > 0 } host)
        {
            row.Set(FieldTable.Host, Value.FromString(ClickHouseCopies.Host(host, copy)));
        }

        return row;
    }

    private static Row Without(Row row, int id)
    {
        var copy = row.Clone();
        copy.Remove(id);
        return copy;
    }

    private static List<string> Lines(IEnumerable<Row> rows) => [.. rows.Select(r => ResultJson.ToJsonLine(r))];

    private static List<Row> Search(ClickHouseStore store, string spl)
    {
        var scoped = new SearchStore(store, CancellationToken.None);
        var compiled = SplEngine.Compile(spl, new SearchContext { Now = 2_000_000_000, Events = scoped, DataModels = scoped });
        Assert.True(compiled.Success, compiled.Diagnostic?.Message);
        return [.. compiled.Search!.Run()];
    }
}
