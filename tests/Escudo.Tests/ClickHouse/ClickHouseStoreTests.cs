using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Tests.Server;

namespace Escudo.Tests.ClickHouse;

/// <summary>The ClickHouse store on a two-shard cluster against the embedded DuckDB store: same rows, same order; commits never doubled.</summary>
[Collection("clickhouse")]
public sealed class ClickHouseStoreTests(ClickHouseCluster cluster)
{
    [Fact]
    public void StoreAddressesAreCheckedAndNeverCarryCredentials()
    {
        var two = ClickHouseLocation.Parse("clickhouse://10.0.0.1:8123,10.0.0.2:8123/siem");
        Assert.Equal(["10.0.0.1:8123", "10.0.0.2:8123"], two.Hosts);
        Assert.Equal("escudo", two.Cluster);
        Assert.Null(ClickHouseLocation.Parse("clickhouse://h:8123/siem").Cluster);
        Assert.Equal("big", ClickHouseLocation.Parse("clickhouse://h:8123/siem?cluster=big").Cluster);
        Assert.Contains("credentials", Assert.Throws<FormatException>(() => ClickHouseLocation.Parse("clickhouse://u:p@h:8123/siem")).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ClickHouseLocation.Parse("clickhouse://h:8123/si;em"));
        Assert.Throws<FormatException>(() => ClickHouseLocation.Parse("clickhouse://h/siem"));
        Assert.Throws<FormatException>(() => ClickHouseLocation.Parse("clickhouse://h:8123/siem?cluster=a;b"));
    }

    [ClickHouseFact]
    public void RowsComeBackAsWrittenInCommitOrderAcrossShards()
    {
        var db = Database();
        var dir = TempDir.Create("ch-duck");
        try
        {
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            using var duck = new DuckDbStore(dir);
            var events = Events(600);
            foreach (var chunk in events.Chunk(150))
            {
                ch.Commit(chunk, []);
                duck.Commit(chunk, []);
            }

            Assert.Equal(600, ch.CountEvents());
            // Both shards hold some: the hosts spread over the cluster.
            foreach (var host in cluster.Location.Hosts)
            {
                using var http = new HttpClient { BaseAddress = new Uri("http://" + host + "/") };
                var local = http.PostAsync($"/?database={db}", new StringContent("SELECT count() FROM events")).Result.Content.ReadAsStringAsync().Result.Trim();
                Assert.True(long.Parse(local, System.Globalization.CultureInfo.InvariantCulture) is > 0 and < 600, $"shard {host} holds {local} of 600 events");
            }

            var requests = new (ScanRequest Request, Pushdown Pushdown)[]
            {
                (ScanRequest.All, Pushdown.None),
                (new ScanRequest(new TimeRange(1_700_000_100, 1_700_000_400)), Pushdown.None),
                (ScanRequest.All, Eq(("EventCode", ["1", "3"]))),
                (ScanRequest.All, Eq(("host", ["WS-7"]), ("sourcetype", ["xmlwineventlog"]))),
                (ScanRequest.All, Eq(("source", ["ÜNICODE:Ö"]))), // not ASCII: left to the engine, same superset
                (ScanRequest.All, Eq(("index", []))),
            };
            foreach (var (request, pushdown) in requests)
            {
                // Both stores may return a superset (the engine re-applies the search's filter, as here).
                var fromDuck = duck.Scan(request, pushdown, CancellationToken.None).Where(r => Matches(r, pushdown)).Select(ResultJson.ToJsonLine).ToList();
                var fromCh = ch.Scan(request, pushdown, CancellationToken.None).Where(r => Matches(r, pushdown)).Select(ResultJson.ToJsonLine).ToList();
                Assert.Equal(fromDuck, fromCh);
                Assert.NotEmpty(pushdown.Equalities.Any(e => e.Value.Count == 0) ? ["-"] : fromCh);
            }
        }
        finally
        {
            cluster.Drop(db);
            TempDir.Delete(dir);
        }
    }

    [ClickHouseFact]
    public void RunLedgerAndProbeWork()
    {
        var db = Database();
        try
        {
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            ch.Commit([], [new RunRecord("d1", "Detection One", 3600, 0, 3000, "success", 2, 2, 4, null, 3601), new RunRecord("d1", "Detection One", 7200, 3600, 6600, "error", 0, 0, 0, "it's \"broken\"\n", 7201)]);
            ch.Commit([], [new RunRecord("d2", "Two", 3600, 0, 3000, "registered", 0, 0, 0, null, 1)]);
            Assert.Equal(7200, ch.LastScheduled()["d1"]);
            Assert.True(ch.HasRun("d1", 3600));
            Assert.False(ch.HasRun("d2", 3600)); // a registration is not a run
            var runs = ch.Runs(10);
            Assert.Equal(3, runs.Count);
            Assert.Equal("it's \"broken\"\n", runs.Single(r => r.Status == "error").Error);
            Assert.Null(runs.Single(r => r.Status == "success").Error);
            ch.Probe(42);
        }
        finally
        {
            cluster.Drop(db);
        }
    }

    [ClickHouseFact]
    public void AScheduledWindowCommittedTwiceIsStoredOnce()
    {
        var db = Database();
        try
        {
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            var notables = Enumerable.Range(0, 5).Select(i => Notable("Detection One", 3600, "host" + i)).ToList();
            ch.Commit(notables, []);
            // The same window again (its first commit's answer lost, the window run again).
            ch.Commit(Enumerable.Range(0, 5).Select(i => Notable("Detection One", 3600, "host" + i)).ToList(), []);
            Assert.Equal(5, ch.CountEvents());
            ch.Commit([Notable("Detection One", 7200, "host0")], []);
            Assert.Equal(6, ch.CountEvents());
        }
        finally
        {
            cluster.Drop(db);
        }
    }

    [ClickHouseFact]
    public void AnInsertWhoseAnswerIsLostIsNotStoredTwice()
    {
        var db = Database();
        try
        {
            // The first node is reached through a proxy that lets the first event insert reach
            // ClickHouse and then cuts the connection before its answer comes back.
            using var proxy = new AnswerDroppingProxy(cluster.Location.Hosts[0], "INSERT%20INTO%20events");
            var location = cluster.In(db) with { Hosts = [proxy.Address, .. cluster.Location.Hosts.Skip(1)] };
            using var ch = new ClickHouseStore(location, null, null);
            ch.Commit(Events(50), []);
            Assert.Equal(1, proxy.Dropped);
            Assert.Equal(50, ch.CountEvents());
        }
        finally
        {
            cluster.Drop(db);
        }
    }

    /// <summary>Splunk's rule for <c>field=value</c> without wildcards: a value of the field equal ignoring case.</summary>
    private static bool Matches(Row row, Pushdown pushdown) =>
        pushdown.Equalities.All(e => e.Value.Any(v => row.Get(e.Key).Kind == ValueKind.Multi
            ? row.Get(e.Key).Items.ToArray().Any(i => string.Equals(i, v, StringComparison.OrdinalIgnoreCase))
            : string.Equals(row.Get(e.Key).ToDisplayString(), v, StringComparison.OrdinalIgnoreCase)));

    private static Pushdown Eq(params (string Field, string[] Values)[] e) =>
        new(e.ToDictionary(x => x.Field, x => (IReadOnlyList<string>)x.Values));

    private static string Database() => "escudo_t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Events with every kind of value: numbers, multivalues, quotes, backslashes, tabs, newlines, non-ASCII, null time.</summary>
    public static List<Row> Events(int count)
    {
        var list = new List<Row>();
        for (var i = 0; i < count; i++)
        {
            var r = new Row(16);
            r.Set(FieldTable.Time, Value.FromNumber(i == 7 ? double.NaN : 1_700_000_000 + i));
            r.Set(FieldTable.Index, Value.FromString(i % 5 == 0 ? "Security" : "main"));
            r.Set(FieldTable.Host, Value.FromString("WS-" + (i % 13)));
            r.Set(FieldTable.Source, Value.FromString(i % 9 == 0 ? "ÜNICODE:Ö" : "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"));
            r.Set(FieldTable.SourceType, Value.FromString(i % 2 == 0 ? "XmlWinEventLog" : "WinEventLog"));
            r.Set(FieldTable.Raw, Value.FromString($"<Event>{i} \"q\" \\ \t tab\nline é</Event>"));
            r.Set("EventCode", Value.FromString((i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            r.Set("Image", Value.FromString(@"C:\Windows\System32\cmd.exe"));
            r.Set("CommandLine", i % 3 == 0 ? Value.FromMulti(["a", "b'c"]) : Value.FromString("whoami /all"));
            r.Set("count", Value.FromNumber(i * 1.5));
            r.Set("user", Value.FromString(i % 6 == 0 ? "ADMINISTRATOR" : "bob"));
            list.Add(r);
        }

        return list;
    }

    private static Row Notable(string search, double scheduled, string host)
    {
        var r = new Row(8);
        r.Set(FieldTable.Time, Value.FromNumber(scheduled));
        r.Set(FieldTable.Index, Value.FromString("notable"));
        r.Set(FieldTable.Host, Value.FromString(host));
        r.Set(FieldTable.Source, Value.FromString(search + " - Rule"));
        r.Set(FieldTable.SourceType, Value.FromString("stash"));
        r.Set("orig_scheduled", Value.FromNumber(scheduled));
        r.Set(FieldTable.Raw, Value.FromString("{\"host\":\"" + host + "\"}"));
        return r;
    }
}
