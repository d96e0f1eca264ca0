using System.Globalization;
using System.Text;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// <c>tstats</c> aggregated in ClickHouse against the engine's own aggregation of the same
/// data-model rows (the same store, read row by row): the same rows, values and evidence, over
/// values that are hard to read exactly out of a row's JSON (quotes, backslashes, <c>\u</c>,
/// control characters, characters outside the BMP, mixed case, non-ASCII, numbers, missing fields),
/// and the aggregate is really answered by ClickHouse (one row per group) or refused as a whole.
/// Splunk's rules: https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Tstats and
/// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Stats (null by-fields drop
/// the row; values() is distinct and sorted lexicographically; dc counts distinct values).
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseAggregatePushdownTests(ClickHouseCluster cluster)
{
    /// <summary>Searches, and whether ClickHouse answers them over plain values (false: refused before or after asking).</summary>
    public static readonly (string Search, bool Pushed)[] Searches =
    [
        ("| tstats count from datamodel=Endpoint.Processes by Processes.process_name", true),
        ("| tstats count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where Processes.user=bob by Processes.dest Processes.process_name", true),
        ("| tstats dc(Processes.user) as users values(Processes.process_name) as names count(Processes.process_hash) as hashed from datamodel=Endpoint.Processes by Processes.dest", true),
        ("| tstats count from datamodel=Endpoint.Processes where Processes.process_name=*.exe NOT Processes.user=ADMIN* by Processes.user", true),
        ("| tstats count from datamodel=Endpoint.Processes where (Processes.process_name=\"*\\\\x.exe\" OR Processes.process_name IN (\"q\\\"uote\", CMD.exe)) by Processes.process_name", true),
        ("| tstats count from datamodel=Endpoint.Processes", true),
        ("| tstats count min(_time) from datamodel=Endpoint.Processes where Processes.process_name=nothing-matches", true),
        ("| tstats count from datamodel=Endpoint.Processes where Processes.process_name=nothing-matches by Processes.user", true),
        ("| tstats fillnull_value=NULL count from datamodel=Endpoint.Processes by Processes.process_hash Processes.user", true),
        ("| tstats values(Processes.process_name) as n from datamodel=Endpoint.Processes where nodename=Processes by Processes.user", true),
        ("| tstats summariesonly=true count from datamodel=Endpoint.Processes by Processes.user", true),
        ("| tstats earliest(_time) as e latest(_time) as l latest_time(_time) as lt count from datamodel=Endpoint.Processes by Processes.user", true),
        ("| tstats sum(Processes.process_id) avg(Processes.process_id) from datamodel=Endpoint.Processes by Processes.user", false), // doubles summed in another order
        ("| tstats latest(Processes.process_name) from datamodel=Endpoint.Processes by Processes.user", false),
        ("| tstats count from datamodel=Endpoint.Processes where Processes.process_name=*straße* by Processes.user", false), // a non-ASCII pattern
        ("| tstats count from datamodel=Endpoint.Processes where Processes.process_name=istanbul by Processes.user", true), // ıstanbul, İSTANBUL: OrdinalIgnoreCase (the engine's) takes neither for ASCII I
        ("| tstats count from datamodel=Endpoint.Processes where Processes.process_name=*.EXE by Processes.user", true), // é.exe, Ａ.exe: other non-ASCII text is exact
        ("| tstats count from datamodel=Endpoint.Processes by Processes.process_id", false), // numbers
        ("| tstats count from datamodel=Endpoint.Processes where Processes.process_id=12 by Processes.user", false), // a number, compared as one
        ("| tstats count from datamodel=Endpoint.Processes by _time span=1h", false),
        ("| tstats prestats=true count from datamodel=Endpoint.Processes by Processes.user", false),
        ("| tstats max(Processes.process_name) from datamodel=Endpoint.Processes by Processes.user", false), // min/max of text: not translated
        ("| tstats count from datamodel=Endpoint.Processes where index=main by Processes.user", false), // index: absent reads as main
    ];

    /// <summary>process_name values: each a plain JSON string once encoded, some hard to unescape.</summary>
    private static readonly string[] PlainNames =
    [
        "cmd.exe", "CMD.EXE", "Cmd.exe", string.Empty, @"C:\Windows\x.exe", @"C:\users\u.exe", "q\"uote", "tab\tnew\nline",
        "é.exe", "Straße", "ıstanbul", "İSTANBUL", "\uFF21.exe", "12", " lead", "a/b", "{\"Processes.user\":\"x\"}",
        @"HKLM\Run\", "\"c:\\t.exe\"", @"\\share\x.exe", "x\\\"", // a trailing backslash, a leading quote (18.16's visitParamExtractRaw loses both)
    ];

    /// <summary>Values a row's JSON holds as a \u escape (a control character, a surrogate pair): ClickHouse must refuse.</summary>
    private static readonly string[] EscapedNames = ["\u0001ctl.exe", "😀.exe", "x\u007F"];

    [ClickHouseFact]
    public void TstatsAggregatedInClickHouseEqualsTheEngineRowForRowWithEvidence()
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var db = "escudo_a" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            foreach (var chunk in Processes(0, 400, PlainNames).Chunk(150))
            {
                ch.Commit(chunk, []); // several batches: evidence follows the read order across them
            }

            var pushed = new SearchStore(ch, CancellationToken.None);
            var rowsOnly = new RowsOnly(pushed);
            var range = new TimeRange(1_700_000_050, 1_700_000_300);
            foreach (var (search, expectPushed) in Searches)
            {
                foreach (var time in new[] { TimeRange.All, range })
                {
                    var before = ch.AggregateCounts;
                    var engine = Run(rowsOnly, search, time);
                    Assert.Equal(before, ch.AggregateCounts); // the engine's own aggregation does not ask the store
                    var cluster2 = Run(pushed, search, time);
                    Assert.True(engine.SequenceEqual(cluster2), $"{search}:\nengine:\n{string.Join("\n", engine.Take(5))}\nClickHouse:\n{string.Join("\n", cluster2.Take(5))}");
                    var after = ch.AggregateCounts;
                    Assert.True(expectPushed ? after.Pushed == before.Pushed + 1 : after.Pushed == before.Pushed, $"{search}: pushed {after.Pushed - before.Pushed}, refused {after.Refused - before.Refused}");
                }
            }

            // Values ClickHouse cannot read exactly (\u escapes): the same answers, because the aggregate is refused.
            ch.Commit(Processes(400, 60, EscapedNames), []);
            foreach (var (search, _) in Searches.Take(4))
            {
                var before = ch.AggregateCounts;
                Assert.Equal(Run(rowsOnly, search, TimeRange.All), Run(pushed, search, TimeRange.All));
                Assert.Equal(before.Pushed, ch.AggregateCounts.Pushed);
            }
        }
        finally
        {
            cluster.Drop(db);
        }
    }

    [ClickHouseFact]
    public void TheAggregateRunsInClickHouseAndReturnsOneRowPerGroup()
    {
        var db = "escudo_a" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            var events = Processes(0, 2_000, PlainNames);
            ch.Commit(events, []);
            var dataset = DataModelCatalog.Cim.Resolve("Endpoint.Processes")!;
            var rows = long.Parse(ch.Nodes[0].Execute("SELECT count() FROM dm_rows_all WHERE dataset = 'Endpoint.Processes'"), CultureInfo.InvariantCulture);
            var request = new AggregateRequest(TimeRange.All, null, ["Processes.process_name"], [new AggregateCall("count", null)], null, 10, 1_000);
            var groups = ch.Aggregate(dataset, request);

            // ClickHouse held 2,000 rows and answered one per distinct name, with the count of each.
            Assert.Equal(2_000, rows);
            Assert.NotNull(groups);
            Assert.Equal(PlainNames.Length, groups!.Count);
            Assert.Equal(2_000, groups.Sum(g => (long)g.Results[0].RawNumber));
            Assert.All(groups, g => Assert.Equal((long)g.Results[0].RawNumber, g.Evidence.Count));
            Assert.All(groups, g => Assert.Equal(Math.Min(10, g.Evidence.Count), g.Evidence.Refs.Length));

            // More groups than the search may hold: the engine's limit, with its message.
            var small = request with { MaxGroups = 5 };
            var compiled = SplEngine.Compile("| tstats count from datamodel=Endpoint.Processes by Processes.process_name", new SearchContext { DataModels = new SearchStore(ch, CancellationToken.None), Macros = BuiltInMacros.Instance, MaxRowsInMemory = 5 });
            var error = Assert.Throws<SearchLimitException>(() => compiled.Search!.Run().ToList());
            Assert.Contains("more than 5 groups", error.Message, StringComparison.Ordinal);
            Assert.Equal(6, ch.Aggregate(dataset, small)!.Count); // read no further than one past the limit
        }
        finally
        {
            cluster.Drop(db);
        }
    }

    /// <summary>Events the Endpoint.Processes dataset takes (tags process and report), with hard values in its fields.</summary>
    private static List<Row> Processes(int first, int count, string[] names)
    {
        var events = new List<Row>();
        for (var i = first; i < first + count; i++)
        {
            var r = new Row(16);
            r.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + i + ((i % 3) * 0.25)));
            r.Set(FieldTable.Index, Value.FromString("main"));
            r.Set(FieldTable.Host, Value.FromString("WS-" + (i % 5)));
            r.Set(FieldTable.Source, Value.FromString("XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"));
            r.Set(FieldTable.SourceType, Value.FromString("XmlWinEventLog"));
            r.Set(FieldTable.Raw, Value.FromString("<Event>" + i + "</Event>"));
            r.Set("tag", Value.FromMulti(["process", "report"]));
            r.Set("Channel", Value.FromString("Microsoft-Windows-Sysmon/Operational"));
            r.Set("process_name", Value.FromString(names[i % names.Length]));
            r.Set("process", Value.FromString(names[i % names.Length] + " /c"));
            r.Set("process_id", Value.FromNumber(i % 7));
            r.Set("dest", Value.FromString(i % 11 == 0 ? "DC-1" : "ws-" + (i % 5)));
            r.Set("user", Value.FromString(i % 6 == 0 ? "ADMINISTRATOR" : i % 4 == 0 ? "Bob" : "bob"));
            if (i % 3 != 0)
            {
                r.Set("process_hash", Value.FromString("SHA1=" + (i % 4)));
            }

            events.Add(r);
        }

        return events;
    }

    /// <summary>A search's rows as JSON lines, each followed by its evidence: the count, time span and every reference kept.</summary>
    private static List<string> Run(IStore store, string search, TimeRange time)
    {
        var compiled = SplEngine.Compile(search, new SearchContext { Now = 1_800_000_000, TimeRange = time, Events = store, DataModels = store, Macros = BuiltInMacros.Instance });
        Assert.True(compiled.Success, compiled.Diagnostic?.Format(compiled.Text));
        return [.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r) + " " + EvidenceText(r.Evidence))];
    }

    internal static string EvidenceText(Evidence? e)
    {
        if (e is null)
        {
            return "no evidence";
        }

        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{e.Count} [{e.FirstTime:R}, {e.LastTime:R}]");
        foreach (var r in e.Refs)
        {
            var o = EventOrigins.Get(r.Origin);
            text.Append(CultureInfo.InvariantCulture, $" {o?.Input}|{o?.Computer}|{o?.Channel}#{r.Record}@{r.Time:R}");
        }

        return text.ToString();
    }

    /// <summary>A store that only reads rows (no <see cref="IAggregateSource"/>): the engine aggregates them itself.</summary>
    internal sealed class RowsOnly(IStore inner) : IStore
    {
        public DataModelCatalog Catalog => inner.Catalog;

        public bool AppliesFilters => inner.AppliesFilters;

        public IEnumerable<Row> Scan(ScanRequest request) => inner.Scan(request);

        public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) => inner.Rows(dataset, request);
    }
}
