using System.Globalization;
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
using Escudo.Tests.Support;

namespace Escudo.Tests.Server;

/// <summary>
/// A search's field list (<see cref="ScanRequest.Fields"/>, from the planner) lets the DuckDB store
/// decode only those fields: every golden SPL search and a set of serve-style searches give the
/// same results over the store with the list as with it removed (full decode), over events stored
/// as JSON and as Windows XML recipes; the list is null wherever the search could read a field it
/// does not name; and the store does decode less when it has one.
/// </summary>
public sealed class ScanFieldsDifferentialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-scanfields-").FullName;
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
    public void Golden_searches_give_the_same_results_with_the_field_list_as_with_full_decode(string file)
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var golden = GoldenFile.Parse(Path.Combine(GoldenSplTests.GoldenRoot, file));
        var now = GoldenSplTests.DefaultNow;
        IReadOnlyList<Row> events = [];
        var macros = new DictionaryMacroSource();
        var lookups = new LookupStore();
        DuckDbStore? store = null;
        try
        {
            foreach (var step in golden.Steps)
            {
                switch (step.Kind)
                {
                    case GoldenStepKind.Now:
                        now = double.Parse(step.Text, CultureInfo.InvariantCulture);
                        break;
                    case GoldenStepKind.Events:
                        events = GoldenSplTests.ReadEvents(string.Join('\n', step.Lines), file);
                        store?.Dispose();
                        store = null;
                        break;
                    case GoldenStepKind.Load:
                        events = [.. InputReader.Read(Path.Combine(GoldenSplTests.GoldenRoot, step.Text))];
                        store?.Dispose();
                        store = null;
                        break;
                    case GoldenStepKind.Macro:
                        macros.Add(GoldenSplTests.ParseMacro(step.Text));
                        break;
                    case GoldenStepKind.Lookup:
                        lookups.Add(GoldenSplTests.ParseLookup(step.Text));
                        break;
                    case GoldenStepKind.Query:
                        store ??= NewStore(events);
                        var with = Run(new SearchStore(store, CancellationToken.None), step.Text, now, macros, lookups);
                        var without = Run(new WithoutFieldList(new SearchStore(store, CancellationToken.None)), step.Text, now, macros, lookups);
                        Assert.True(with.SequenceEqual(without), $"{file}:{step.Line}: {step.Text}\nwith the field list:\n{string.Join('\n', with)}\nfull decode:\n{string.Join('\n', without)}");
                        break;
                }
            }
        }
        finally
        {
            store?.Dispose();
        }
    }

    [Fact]
    public void Many_golden_searches_have_a_field_list()
    {
        // The golden differential above proves something only for searches that have a list.
        var withList = 0;
        var queries = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(GoldenSplTests.GoldenRoot, "spl"), "*.test", SearchOption.AllDirectories))
        {
            var macros = new DictionaryMacroSource();
            foreach (var step in GoldenFile.Parse(file).Steps)
            {
                if (step.Kind == GoldenStepKind.Macro)
                {
                    macros.Add(GoldenSplTests.ParseMacro(step.Text));
                }

                if (step.Kind != GoldenStepKind.Query)
                {
                    continue;
                }

                queries++;
                ScanRequest? seen = null;
                var compiled = SplEngine.Compile(step.Text, new SearchContext { Events = new Capture(r => seen = r), Macros = new LayeredMacroSource([macros, BuiltInMacros.Instance]) });
                if (compiled.Success)
                {
                    _ = compiled.Search!.Run().ToList();
                    withList += seen?.Fields is null ? 0 : 1;
                }
            }
        }

        Assert.True(withList >= 150, $"{withList} of {queries} golden searches have a field list");
    }

    /// <summary>Searches as the console and the REST API run them, over Windows XML events stored as recipes and HEC JSON events.</summary>
    public static TheoryData<string> ServeSearches() =>
    [
        "index=main | stats count by EventCode",
        "* | stats count by EventCode, host, source, sourcetype, index",
        "EventCode=1 | stats count by host",
        "EventCode IN (1, 3) | stats count by EventCode, Channel",
        "NOT EventCode=1 | stats dc(host) as hosts, values(sourcetype) as st by EventCode",
        "host=WKS-1 | stats count by EventCode",
        "index=MAIN sourcetype=xmlwineventlog | timechart span=1h count by EventCode",
        "* | top EventCode",
        "* | rare host",
        "* | stats count by User",
        "User=admin | stats count by host, Image",
        "User=*ystem* | stats values(CommandLine) as cl by User",
        "* | eval u=lower(User) | stats count by u",
        "* | rename User as who | stats count by who",
        "* | where like(Image, \"%p1%\") | table _time, host, Image",
        "* | stats count by tag",
        "* | stats count by eventtype, signature",
        "* | stats earliest(EventRecordID) as first, latest(EventRecordID) as last by host",
        "* | table EventCode, host, index, site",
        "* | stats count by site, EventCode",
        "* | dedup host | table host, EventCode",
        "* | sort - _time | head 3 | table _time, EventCode",
        "* | eventstats count as n by host | stats max(n) by EventCode",
        "* | stats count by EventID, Computer",
        "* | streamstats reset_after=\"(User=admin)\" count as n by host | stats max(n) by host",
        "site=lab | stats count by host, Channel",
    ];

    [Theory]
    [MemberData(nameof(ServeSearches))]
    public void Serve_searches_give_the_same_results_with_the_field_list_as_with_full_decode(string search)
    {
        using var store = NewStore(ServeEvents());
        var with = Run(new SearchStore(store, CancellationToken.None), search, GoldenSplTests.DefaultNow, new DictionaryMacroSource(), new LookupStore());
        var full = new WithoutFieldList(new SearchStore(store, CancellationToken.None));
        var without = Run(full, search, GoldenSplTests.DefaultNow, new DictionaryMacroSource(), new LookupStore());
        Assert.NotEmpty(without);
        Assert.Equal(without, with);

        // Not vacuous: each of these searches but the one whose reset condition may read any field has a field list.
        Assert.Equal(!search.Contains("reset_after", StringComparison.Ordinal), full.HadFieldList);
    }

    [Theory]
    [InlineData("search EventCode=1", null)] // the events are the output
    [InlineData("search EventCode=1 | stats count by host", "_time EventCode host")]
    [InlineData("search index=main | eval x=lower(User) | stats count by x", "_time index User x")]
    [InlineData("search * | rename A as B | table B", "_time A B")]
    [InlineData("search * | timechart count by host", "_time host")]
    [InlineData("search foo | stats count", null)] // a keyword reads _raw
    [InlineData("search * | stats count by _raw", null)]
    [InlineData("search * | table *", null)]
    [InlineData("search * | stats values(*) as *", null)]
    [InlineData("search * | rex \"(?<user>\\w+)\" | stats count by user", null)] // rex's groups are fields named in a pattern
    [InlineData("search * | eval {f}=1 | stats count", null)]
    [InlineData("search * | where searchmatch(\"x=1\") | stats count", null)]
    [InlineData("search * | transaction host | stats count", null)]
    [InlineData("search * | fillnull | stats count by x", null)]
    [InlineData("search * | eval x=1 | fields x", null)] // fields keeps the events' own fields
    [InlineData("search * | head 5", null)]
    [InlineData("search * | streamstats reset_after=\"(User=admin)\" count by host | stats max(count)", null)] // the reset condition reads any field
    public void The_field_list_names_every_field_the_search_reads_or_is_null(string search, string? expected)
    {
        ScanRequest? seen = null;
        var compiled = SplEngine.Compile(search, new SearchContext { Events = new Capture(r => seen = r) });
        Assert.True(compiled.Success, search);
        _ = compiled.Search!.Run().ToList();
        if (expected is null)
        {
            Assert.Null(seen!.Fields);
        }
        else
        {
            Assert.NotNull(seen!.Fields);
            Assert.Equal(expected.Split(' ').Order(StringComparer.Ordinal), seen.Fields.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void With_a_field_list_the_store_decodes_only_those_fields_and_maps_no_recipe()
    {
        using var store = NewStore(ServeEvents());
        var fields = new HashSet<string>(StringComparer.Ordinal) { "_time", "EventCode", "host" };
        var rows = store.Scan(ScanRequest.All with { Fields = fields }, Pushdown.None, CancellationToken.None).ToList();
        var full = store.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).ToList();
        Assert.Equal(full.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            // Only the fields asked for (and Channel, for the row's provenance), each as the full decode has it.
            Assert.All(Enumerable.Range(0, rows[i].Count), j => Assert.Contains(rows[i].NameAt(j), (string[])["_time", "EventCode", "host", "Channel"]));
            foreach (var name in new[] { "_time", "EventCode", "host", "Channel" })
            {
                Assert.Equal(full[i].Get(name), rows[i].Get(name));
            }

            Assert.Equal(full[i].Ref, rows[i].Ref);
        }

        // A field the System block does not give (User) needs the mapping: the recipe rows come back whole.
        var mapped = store.Scan(ScanRequest.All with { Fields = new HashSet<string>(StringComparer.Ordinal) { "_time", "User" } }, Pushdown.None, CancellationToken.None).ToList();
        Assert.Contains(mapped, r => !r.Get("CommandLine").IsNull);
    }

    [Fact]
    public void An_event_data_item_named_like_a_system_field_makes_the_recipe_be_mapped()
    {
        // Repeated names accumulate into a multivalue in the mapper: host from Computer and from the data.
        var xml = Xml(7, "<Data Name='host'>other</Data><Data Name='EventCode'>99</Data>", "wks-9");
        using var store = NewStore([Recipe(xml, null, [])]);
        var full = store.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).Single();
        var part = store.Scan(ScanRequest.All with { Fields = new HashSet<string>(StringComparer.Ordinal) { "_time", "EventCode", "host" } }, Pushdown.None, CancellationToken.None).Single();
        Assert.True(full.Get("EventCode").IsMulti);
        Assert.Equal(full.Get("EventCode"), part.Get("EventCode"));
        Assert.Equal(full.Get("host"), part.Get("host"));
    }

    /// <summary>The real datasets' XML (the XmlWinEventLog sample, the first events of each EVTX recording): the System fields read without mapping equal the mapped ones.</summary>
    [Fact]
    public void Every_xml_event_of_the_datasets_gives_the_same_system_fields_without_mapping()
    {
        var datasets = SharedData.Require("datasets");
        var raws = File.ReadLines(Path.Combine(datasets, "security_content/data_sources/example_logs.xmlwineventlog.txt")).Where(l => l.Contains("<Event", StringComparison.Ordinal)).ToList();
        foreach (var file in Directory.EnumerateFiles(datasets, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            raws.AddRange(InputReader.Read(file, problems: _ => { }).Take(40).Select(r => r.Get(FieldTable.Raw).FirstString()).OfType<string>().Where(r => r.StartsWith("<Event", StringComparison.Ordinal)));
        }

        var events = raws.Where(r => WindowsXmlParser.Parse(r)?.EventId is not null).Select(r => Recipe(r, null, [])).ToList();
        Assert.True(events.Count > 5_000, $"{events.Count} XML events");
        using var store = NewStore(events);
        string[] names = ["_time", "host", "source", "sourcetype", "index", "EventCode", "Channel"];
        var full = store.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).ToList();
        var part = store.Scan(ScanRequest.All with { Fields = names.ToHashSet(StringComparer.Ordinal) }, Pushdown.None, CancellationToken.None).ToList();
        Assert.Equal(full.Count, part.Count);
        var unmapped = 0;
        for (var i = 0; i < full.Count; i++)
        {
            Assert.True(names.All(n => full[i].Get(n) == part[i].Get(n)), $"event {i} differs:\n{full[i]}\n---\n{part[i]}");
            Assert.Equal(full[i].Ref, part[i].Ref);
            unmapped += part[i].Count <= names.Length ? 1 : 0;
        }

        Assert.True(unmapped > full.Count * 9 / 10, $"{unmapped} of {full.Count} read without mapping");
    }

    private static List<string> Run(IStore store, string search, double now, DictionaryMacroSource macros, LookupStore lookups)
    {
        var context = new SearchContext
        {
            Now = now,
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
            return [.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r))];
        }
        catch (Exception e) when (e is SearchLimitException or InvalidOperationException or ArgumentException)
        {
            return ["failed at run time: " + e.Message];
        }
    }

    private static readonly string[] Users = ["admin", "ADMIN", "\u017Fystem", "SYSTEM", "user42", "a&amp;b"];

    /// <summary>Sysmon and Security XML stored as recipes (with and without host, HEC fields, a time set by HEC), and HEC JSON events.</summary>
    private static List<Row> ServeEvents()
    {
        var rows = new List<Row>();
        for (var i = 0; i < 36; i++)
        {
            var data = $"<Data Name='Image'>C:\\Windows\\System32\\p{i % 5}.exe</Data><Data Name='User'>{Users[i % Users.Length]}</Data><Data Name='CommandLine'>p{i}.exe {Users[(i + 1) % Users.Length]}</Data>";
            var edits = new List<(string, Value)>();
            if (i % 4 == 0)
            {
                edits.Add(("site", Value.FromString("lab")));
            }
            else if (i % 4 == 1)
            {
                edits.Add(("_time", Value.FromNumber(1_700_000_000 + (i * 60))));
                edits.Add(("EventCode", Value.FromString("11")));
            }

            rows.Add(Recipe(Xml(i, data, $"wks-{i % 3}"), i % 2 == 0 ? null : $"WKS-{i % 3}", edits));
        }

        foreach (var line in Enumerable.Range(0, 12).Select(i => $"{{\"_time\":{1_700_000_000 + i},\"host\":\"wks-{i % 3}\",\"index\":\"main\",\"sourcetype\":\"json\",\"EventCode\":\"{1 + (i % 3)}\",\"User\":[\"{Users[i % Users.Length]}\",\"x\"],\"_raw\":\"json event {i}\"}}"))
        {
            rows.AddRange(GoldenSplTests.ReadEvents(line, "json"));
        }

        return rows;
    }

    private static string Xml(int i, string data, string computer)
    {
        var (code, channel, provider) = i % 3 == 2 ? (4688, "Security", "Microsoft-Windows-Security-Auditing") : (1 + (2 * (i % 2)), "Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon");
        return $"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='{provider}'/><EventID>{code}</EventID>"
            + $"<TimeCreated SystemTime='2023-11-14T2{i % 4}:0{i % 10}:00.0000000Z'/><EventRecordID>{i}</EventRecordID><Channel>{channel}</Channel><Computer>{computer}</Computer></System><EventData>{data}</EventData></Event>";
    }

    private static Row Recipe(string xml, string? host, IReadOnlyList<(string Field, Value Value)> edits)
    {
        var recipe = new XmlRowRecipe(null, "XmlWinEventLog", host, "main");
        var row = recipe.Map(WindowsXmlParser.Parse(xml)!, xml);
        foreach (var (field, value) in edits)
        {
            recipe.Set(row, FieldTable.Intern(field), value);
        }

        recipe.Attach(row);
        return row;
    }

    /// <summary>The store's scans with the field list removed: every stored row decoded in full.</summary>
    private sealed class WithoutFieldList(SearchStore inner) : IStore, IAggregateSource
    {
        public IReadOnlyList<AggregateGroup>? Aggregate(DataModelDataset dataset, AggregateRequest request) => inner.Aggregate(dataset, request);

        public DataModelCatalog Catalog => inner.Catalog;

        public bool AppliesFilters => inner.AppliesFilters;

        public bool HadFieldList { get; private set; }

        public IEnumerable<Row> Scan(ScanRequest request)
        {
            HadFieldList |= request.Fields is not null;
            return inner.Scan(request with { Fields = null });
        }

        public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) => inner.Rows(dataset, request with { Fields = null });
    }

    private sealed class Capture(Action<ScanRequest> seen) : IEventSource
    {
        public bool AppliesFilters => false;

        public IEnumerable<Row> Scan(ScanRequest request)
        {
            seen(request);
            return [];
        }
    }
}
