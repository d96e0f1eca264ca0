using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Xml;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;
using Escudo.Tests.Golden;

namespace Escudo.Tests.Server;

/// <summary>
/// A search's leading stats run in DuckDB (<see cref="DuckDbAggregateSql"/>) gives exactly what the
/// engine gives aggregating the scanned events itself: every golden SPL search, and serve-style
/// aggregate searches over events with the edge cases (by-field missing or empty, values differing
/// in case only, wildcards and NOT, several by-fields, time bounds), give the same rows, value
/// kinds and evidence with the store's aggregate as without it. Rows whose columns may not be
/// their fields (a multivalue host, an index not in lower case, an EventID without EventCode,
/// non-ASCII text, rows of a store written before the flag) make the store refuse, and the answer
/// is still the same; the serve-style searches that should be pushed are.
/// </summary>
public sealed class DuckDbAggregateDifferentialTests : IDisposable
{
    private const double T0 = 1_700_000_000;

    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-duckagg-").FullName;
    private int _stores;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private DuckDbStore NewStore(IReadOnlyList<Row> events)
    {
        var store = new DuckDbStore(Path.Combine(_dir, (_stores++).ToString(CultureInfo.InvariantCulture)));
        store.Commit(events, []);
        return store;
    }

    [Theory]
    [MemberData(nameof(GoldenSplTests.TestFiles), MemberType = typeof(GoldenSplTests))]
    public void Golden_searches_give_the_same_results_with_the_store_aggregating(string file)
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var golden = GoldenFile.Parse(Path.Combine(GoldenSplTests.GoldenRoot, file));
        var now = GoldenSplTests.DefaultNow;
        IReadOnlyList<Row> events = [];
        var macros = new DictionaryMacroSource();
        var lookups = new LookupStore();
        DuckDbStore? store = null;
        DuckDbStore? indexed = null;
        try
        {
            foreach (var step in golden.Steps)
            {
                switch (step.Kind)
                {
                    case GoldenStepKind.Now:
                        now = double.Parse(step.Text, CultureInfo.InvariantCulture);
                        break;
                    case GoldenStepKind.Events or GoldenStepKind.Load:
                        events = step.Kind == GoldenStepKind.Events
                            ? GoldenSplTests.ReadEvents(string.Join('\n', step.Lines), file)
                            : [.. InputReader.Read(Path.Combine(GoldenSplTests.GoldenRoot, step.Text))];
                        store?.Dispose();
                        indexed?.Dispose();
                        (store, indexed) = (null, null);
                        break;
                    case GoldenStepKind.Macro:
                        macros.Add(GoldenSplTests.ParseMacro(step.Text));
                        break;
                    case GoldenStepKind.Lookup:
                        lookups.Add(GoldenSplTests.ParseLookup(step.Text));
                        break;
                    case GoldenStepKind.Query:
                        // As given, and as HEC stores them (an index, a numeric time), so more of them are the store's to aggregate.
                        store ??= NewStore(events);
                        indexed ??= NewStore([.. events.Select(AsHecStores)]);
                        foreach (var s in new[] { store, indexed })
                        {
                            var (pushed, plain) = Both(s, step.Text, now, TimeRange.All, macros, lookups);
                            Assert.True(pushed.SequenceEqual(plain), $"{file}:{step.Line}: {step.Text}\nstore's aggregate:\n{string.Join('\n', pushed)}\nengine's:\n{string.Join('\n', plain)}");
                        }

                        break;
                }
            }
        }
        finally
        {
            store?.Dispose();
            indexed?.Dispose();
        }
    }

    [Fact]
    public void Some_golden_searches_are_the_stores_to_aggregate()
    {
        // The golden differential above proves something only for searches the store takes. Most golden
        // stats aggregate fields that are not columns (user, bytes, action...); these two are not:
        // `* | stats count` and `* | stats min(_time) as firstTime, max(_time) as lastTime by host`.
        long pushed = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(GoldenSplTests.GoldenRoot, "spl"), "*.test", SearchOption.AllDirectories))
        {
            IReadOnlyList<Row> events = [];
            foreach (var step in GoldenFile.Parse(file).Steps)
            {
                if (step.Kind == GoldenStepKind.Events)
                {
                    events = GoldenSplTests.ReadEvents(string.Join('\n', step.Lines), file);
                }

                if (step.Kind == GoldenStepKind.Query && step.Text.Contains("stats", StringComparison.Ordinal) && events.Count > 0)
                {
                    using var store = NewStore([.. events.Select(AsHecStores)]);
                    _ = Run(new SearchStore(store, CancellationToken.None), step.Text, GoldenSplTests.DefaultNow, TimeRange.All, new DictionaryMacroSource(), new LookupStore());
                    pushed += store.AggregateCounts.Pushed;
                }
            }
        }

        Assert.True(pushed >= 2, $"{pushed} golden searches aggregated by the store");
    }

    /// <summary>Serve-style searches, and whether the store takes each over <see cref="ExactEvents"/>.</summary>
    public static TheoryData<string, bool> ServeSearches() => new()
    {
        { "index=main | stats count by EventCode", true },
        { "* | stats count by EventCode, host, source, sourcetype, index", true },
        { "index=load EventCode=1 | stats count by host", true },
        { "EventCode IN (1, 3, 01) | stats count by EventCode", true },
        { "NOT EventCode=1 | stats dc(host) as hosts, values(sourcetype) as st by EventCode", true },
        { "host=WKS-1 | stats count by host", true },
        { "host=wks* OR source=*Security | stats count, min(_time) as first, max(_time) as last by host", true },
        { "NOT host=wks-1 | stats count by index", true },
        { "* | stats count", true },
        { "index=nothing | stats count", true },
        { "index=nothing | stats count by host", true },
        { "sourcetype=json | stats earliest(_time) as e, latest(_time) as l, count(host) as h, values(host) as hv by index", true },
        { "EventCode=4* | stats count by EventCode", true },
        { "source=a_* | stats count by source", true },
        { "(index=main OR index=load) NOT (host=wks-2 OR sourcetype=XmlWinEventLog) | stats c by sourcetype, host", true },
        { "index=main | stats count by EventCode | where count > 2 | sort - count", true },
        { "index=solo | stats values(host) as hv, dc(host) as d, count(host) as c, count by index", true },
        { "* | stats count by User", false },
        { "user42 | stats count", false },
        { "* | stats sum(EventCode) as s", false },
        { "host!=wks-1 | stats count", false },
        { "index=main | stats count(eval(host=\"wks-1\")) as n", false },
        { "index=main | stats min(host) as h", false },
        { "* | eventstats count by host | stats count by EventCode", false },
        { "src=10.0.0.0/8 | stats count", false },
    };

    [Theory]
    [MemberData(nameof(ServeSearches))]
    public void Serve_searches_give_the_same_results_with_the_store_aggregating(string search, bool taken)
    {
        using var store = NewStore(ExactEvents());
        foreach (var time in new[] { TimeRange.All, new TimeRange(T0 + 600, T0 + 1800), new TimeRange(T0 + 300, null) })
        {
            var before = store.AggregateCounts.Pushed;
            var (pushed, plain) = Both(store, search, T0 + 86_400, time, new DictionaryMacroSource(), new LookupStore());
            Assert.True(plain.SequenceEqual(pushed), $"{search} over {time}\nstore's aggregate:\n{string.Join('\n', pushed)}\nengine's:\n{string.Join('\n', plain)}");
            Assert.True((store.AggregateCounts.Pushed > before) == taken, $"{search} over {time}: pushed {store.AggregateCounts.Pushed - before}, expected {taken}");
        }
    }

    [Theory]
    [MemberData(nameof(ServeSearches))]
    public void Rows_whose_columns_may_not_be_their_fields_make_the_store_refuse_with_the_same_answer(string search, bool taken)
    {
        // The inexact rows come last, after T0 + 3600: a time range that ends before them is still the store's.
        using var store = NewStore([.. ExactEvents(), .. InexactEvents()]);
        var before = store.AggregateCounts;
        var (pushed, plain) = Both(store, search, T0 + 86_400, TimeRange.All, new DictionaryMacroSource(), new LookupStore());
        Assert.Equal(plain, pushed);
        Assert.Equal(before.Pushed, store.AggregateCounts.Pushed);

        (pushed, plain) = Both(store, search, T0 + 86_400, new TimeRange(null, T0 + 3600), new DictionaryMacroSource(), new LookupStore());
        Assert.Equal(plain, pushed);
        Assert.Equal(before.Pushed + (taken ? 1 : 0), store.AggregateCounts.Pushed);
    }

    [Fact]
    public void Each_kind_of_inexact_row_is_flagged()
    {
        Assert.All(ExactEvents(), r => Assert.True(ExactColumns.Of(r), r.ToString()));
        Assert.All(InexactEvents(), r => Assert.False(ExactColumns.Of(r), r.ToString()));
    }

    [Fact]
    public void A_store_written_before_the_flag_is_upgraded_and_answers_the_same()
    {
        const string search = "index=main | stats count, values(host) as hosts by EventCode";
        var path = Path.Combine(_dir, "old");
        List<string> expected;
        using (var store = new DuckDbStore(path))
        {
            store.Commit(ExactEvents(), []);
            expected = Both(store, search, T0 + 86_400, TimeRange.All, new DictionaryMacroSource(), new LookupStore()).Plain;
        }

        // The store as main wrote it: neither exact_columns nor field_keys (added back on open, in that order).
        using (var conn = new DuckDBConnection("Data Source=" + Path.Combine(path, "escudo.duckdb")))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "ALTER TABLE events DROP COLUMN exact_columns; ALTER TABLE events DROP COLUMN field_keys; CHECKPOINT;";
            cmd.ExecuteNonQuery();
        }

        using (var store = new DuckDbStore(path))
        {
            var (pushed, plain) = Both(store, search, T0 + 86_400, TimeRange.All, new DictionaryMacroSource(), new LookupStore());
            Assert.Equal(expected, plain);
            Assert.Equal(expected, pushed);
            Assert.Equal((0, 1), store.AggregateCounts); // the old rows' flag is null: refused

            // Rows written after the upgrade are flagged: a range holding only those is the store's.
            store.Commit([.. ExactEvents().Select(r => Shifted(r, 86_400))], []);
            var later = new TimeRange(T0 + 86_400, null);
            (pushed, plain) = Both(store, search, T0 + (2 * 86_400), later, new DictionaryMacroSource(), new LookupStore());
            Assert.Equal(expected.Count, plain.Count);
            Assert.Equal(plain, pushed);
            Assert.Equal(1, store.AggregateCounts.Pushed);
        }
    }

    /// <summary>The search's rows (with value kinds and evidence) with the store's aggregate and with the engine's.</summary>
    private static (List<string> Pushed, List<string> Plain) Both(DuckDbStore store, string search, double now, TimeRange time, DictionaryMacroSource macros, LookupStore lookups)
    {
        var searchStore = new SearchStore(store, CancellationToken.None);
        return (Run(searchStore, search, now, time, macros, lookups), Run(new WithoutEventAggregates(searchStore), search, now, time, macros, lookups));
    }

    private static List<string> Run(IStore store, string search, double now, TimeRange time, DictionaryMacroSource macros, LookupStore lookups)
    {
        var context = new SearchContext
        {
            Now = now,
            TimeRange = time,
            Events = store,
            DataModels = store,
            Lookups = lookups,
            Macros = new LayeredMacroSource([macros, BuiltInMacros.Instance]),
        };
        var compiled = SplEngine.Compile(search.StartsWith('|') || search.StartsWith("search ", StringComparison.Ordinal) ? search : "search " + search, context);
        if (!compiled.Success)
        {
            return ["did not compile: " + compiled.Diagnostic!.Format(compiled.Text)];
        }

        try
        {
            return [.. compiled.Search!.Run().Select(Describe)];
        }
        catch (Exception e) when (e is SearchLimitException or InvalidOperationException or ArgumentException)
        {
            return ["failed at run time: " + e.Message];
        }
    }

    /// <summary>A result as JSON with its evidence, plus each field's value kind (a string "1" and a number 1 print alike).</summary>
    private static string Describe(Row r)
    {
        var kinds = new StringBuilder();
        for (var i = 0; i < r.Count; i++)
        {
            kinds.Append(r.NameAt(i)).Append(':').Append(r.ValueAt(i).Kind).Append(' ');
        }

        var e = r.Evidence;
        return ResultJson.ToJsonLine(r, withEvidence: true) + " | " + kinds
            + (e is null ? "no evidence" : $"evidence {e.Count} {e.FirstTime} {e.LastTime} " + string.Join(',', e.Refs.ToArray().Select(x => $"{x.Origin}/{x.Record}/{x.Time}")));
    }

    private static readonly string[] Hosts = ["wks-1", "WKS-1", "wks-2", string.Empty, "srv_1"];
    private static readonly string[] Codes = ["1", "3", "4688", "01", "abc"];

    /// <summary>
    /// Events whose columns are their fields: HEC JSON-like rows (host missing or empty, values
    /// differing in case only, EventCode missing, "01" beside "1", a source with an underscore) and
    /// Windows XML stored as recipes, 40 minutes of them from T0.
    /// </summary>
    private static List<Row> ExactEvents()
    {
        var rows = new List<Row>();
        for (var i = 0; i < 48; i++)
        {
            var row = new Row(10);
            row.Set(FieldTable.Time, Value.FromNumber(T0 + (i * 50)));
            row.Set(FieldTable.Index, Value.FromString(i % 3 == 0 ? "load" : "main"));
            if (i % 7 != 6)
            {
                row.Set(FieldTable.Host, Value.FromString(Hosts[i % Hosts.Length]));
            }

            row.Set(FieldTable.Source, Value.FromString(i % 4 == 0 ? "a_b" : i % 4 == 1 ? "axb" : "bench"));
            row.Set(FieldTable.SourceType, Value.FromString(i % 2 == 0 ? "json" : "JSON"));
            if (i % 9 != 8)
            {
                row.Set("EventCode", Value.FromString(Codes[i % Codes.Length]));
            }

            row.Set("User", Value.FromString("user" + (i % 5).ToString(CultureInfo.InvariantCulture)));
            row.Set(FieldTable.Raw, Value.FromString($"event {i} user{i % 5}"));
            rows.Add(row);
        }

        // A group none of whose rows has a host.
        var solo = new Row(4);
        solo.Set(FieldTable.Time, Value.FromNumber(T0 + 2500));
        solo.Set(FieldTable.Index, Value.FromString("solo"));
        solo.Set(FieldTable.Raw, Value.FromString("solo"));
        rows.Add(solo);

        for (var i = 0; i < 12; i++)
        {
            var (code, channel) = i % 3 == 2 ? (4688, "Security") : (1, "Microsoft-Windows-Sysmon/Operational");
            var xml = $"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='p'/><EventID>{code}</EventID>"
                + $"<TimeCreated SystemTime='2023-11-14T22:{10 + i}:00.0000000Z'/><EventRecordID>{i}</EventRecordID><Channel>{channel}</Channel><Computer>wks-{i % 3}</Computer></System>"
                + $"<EventData><Data Name='User'>user{i}</Data></EventData></Event>";
            var recipe = new XmlRowRecipe(null, "XmlWinEventLog", i % 2 == 0 ? null : "WKS-1", "main");
            var row = recipe.Map(WindowsXmlParser.Parse(xml)!, xml);
            recipe.Attach(row);
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>One event of each kind whose columns may not be its fields, each after T0 + 3600.</summary>
    private static List<Row> InexactEvents()
    {
        Row Event(int n, Action<Row> change)
        {
            var row = new Row(8);
            row.Set(FieldTable.Time, Value.FromNumber(T0 + 3600 + n));
            row.Set(FieldTable.Index, Value.FromString("main"));
            row.Set(FieldTable.Host, Value.FromString("wks-1"));
            row.Set(FieldTable.Source, Value.FromString("bench"));
            row.Set(FieldTable.SourceType, Value.FromString("json"));
            row.Set("EventCode", Value.FromString("1"));
            row.Set(FieldTable.Raw, Value.FromString("inexact " + n.ToString(CultureInfo.InvariantCulture)));
            change(row);
            return row;
        }

        return
        [
            Event(0, r => r.Set(FieldTable.Host, Value.FromMulti(["wks-1", "wks-2"]))),
            Event(1, r => r.Set(FieldTable.Index, Value.FromString("Main"))),
            Event(2, r => r.Remove(FieldTable.Index)),
            Event(3, r => r.Set("EventCode", Value.FromNumber(1))),
            Event(4, r =>
            {
                r.Remove(FieldTable.Intern("EventCode"));
                r.Set("EventID", Value.FromString("1"));
            }),
            Event(5, r => r.Set(FieldTable.Host, Value.FromString("wks-\u0131"))),
            Event(6, r => r.Set(FieldTable.SourceType, Value.FromNumber(7))),
            Event(7, r => r.Set(FieldTable.Source, Value.FromString("tab\there"))),
        ];
    }

    /// <summary>The event as HEC stores one: an index (main when it has none) and its time as a number.</summary>
    private static Row AsHecStores(Row row)
    {
        var copy = row.CopyOnWrite();
        if (row.Get(FieldTable.Index).IsNull)
        {
            copy.Set(FieldTable.Index, Value.FromString("main"));
        }

        if (double.IsFinite(row.Time))
        {
            copy.Set(FieldTable.Time, Value.FromNumber(row.Time));
        }

        return copy;
    }

    private static Row Shifted(Row row, double seconds)
    {
        var copy = row.CopyOnWrite();
        copy.Set(FieldTable.Time, Value.FromNumber(row.Time + seconds));
        return copy;
    }

    /// <summary>The store's searches without its own aggregate of events: the engine scans and aggregates.</summary>
    private sealed class WithoutEventAggregates(SearchStore inner) : IStore, IAggregateSource
    {
        public IReadOnlyList<AggregateGroup>? Aggregate(DataModelDataset dataset, AggregateRequest request) => inner.Aggregate(dataset, request);

        public DataModelCatalog Catalog => inner.Catalog;

        public bool AppliesFilters => inner.AppliesFilters;

        public IEnumerable<Row> Scan(ScanRequest request) => inner.Scan(request);

        public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) => inner.Rows(dataset, request);
    }
}
