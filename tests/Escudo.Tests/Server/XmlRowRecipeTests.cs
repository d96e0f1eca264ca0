using System.Text;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Xml;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Tests.Support;
using Xunit.Abstractions;

namespace Escudo.Tests.Server;

/// <summary>
/// Windows XML events stored as <see cref="XmlRowRecipe"/>s: a store written before (every field
/// as JSON) still reads the same; searches narrowed by literals in SQL find over recipes what the
/// engine finds in memory; and every XML event of the real datasets reads back with exactly the
/// fields the plain path gives it.
/// </summary>
public sealed class XmlRowRecipeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-recipe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>An HEC event object with Windows XML, as sent to main (b8edda4).</summary>
    private const string MainBody = """
        {"time":1700000000.25,"host":"wks-1","sourcetype":"XmlWinEventLog","source":"XmlWinEventLog:Security","index":"main","fields":{"site":"lab"},"event":"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>4688</EventID><Version>2</Version><Level>0</Level><Task>13312</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='2023-11-14T22:13:20.0000000Z'/><EventRecordID>42</EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='8'/><Channel>Security</Channel><Computer>dc1.corp.local</Computer><Security/></System><EventData><Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='SubjectUserName'>DC1$</Data><Data Name='SubjectDomainName'>CORP</Data><Data Name='SubjectLogonId'>0x3e7</Data><Data Name='NewProcessId'>0x1a2c</Data><Data Name='NewProcessName'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='TokenElevationType'>%%1936</Data><Data Name='ProcessId'>0x2f0</Data><Data Name='CommandLine'>cmd.exe /c echo a &amp; echo &quot;b&quot;</Data><Data Name='TargetUserSid'>S-1-0-0</Data><Data Name='ParentProcessName'>C:\\Windows\\explorer.exe</Data></EventData></Event>"}
        """;

    /// <summary>The <c>fields</c> main (b8edda4) stored for <see cref="MainBody"/>, printed by its RowCodec.</summary>
    private const string MainFields = """
        {"_time":1700000000.25,"host":"wks-1","source":"XmlWinEventLog:Security","sourcetype":"XmlWinEventLog","index":"main","_raw":0,"EventCode":"4688","EventID":"4688","Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}","Version":"2","Level":"0","Task":"13312","Opcode":"0","Keywords":"0x8020000000000000","SystemTime":"2023-11-14T22:13:20.0000000Z","EventRecordID":"42","RecordID":"42","RecordNumber":"42","ProcessID":"4","ThreadID":"8","Channel":"Security","EventChannel":"Security","Computer":"dc1.corp.local","dvc_nt_host":"wks-1","event_id":"42","SubjectUserSid":"S-1-5-18","SubjectUserName":"DC1$","SubjectDomainName":"CORP","SubjectLogonId":"0x3e7","NewProcessId":"0x1a2c","NewProcessName":"C:\\Windows\\System32\\cmd.exe","TokenElevationType":"%%1936","ProcessId":"0x2f0","CommandLine":"cmd.exe /c echo a &amp; echo &quot;b&quot;","TargetUserSid":"S-1-0-0","ParentProcessName":"C:\\Windows\\explorer.exe","EventData_Xml":"<Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='SubjectUserName'>DC1$</Data><Data Name='SubjectDomainName'>CORP</Data><Data Name='SubjectLogonId'>0x3e7</Data><Data Name='NewProcessId'>0x1a2c</Data><Data Name='NewProcessName'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='TokenElevationType'>%%1936</Data><Data Name='ProcessId'>0x2f0</Data><Data Name='CommandLine'>cmd.exe /c echo a &amp; echo &quot;b&quot;</Data><Data Name='TargetUserSid'>S-1-0-0</Data><Data Name='ParentProcessName'>C:\\Windows\\explorer.exe</Data>","process":"C:\\Windows\\System32\\cmd.exe /c echo a &amp; echo &quot;b&quot;","process_path":"C:\\Windows\\System32\\cmd.exe","process_id":"0x1a2c","process_name":"cmd.exe","process_exec":"cmd.exe","parent_process":"C:\\Windows\\explorer.exe","parent_process_id":"0x2f0","parent_process_name":"explorer.exe","parent_process_path":"C:\\Windows\\explorer.exe","user":"DC1$","action":"allowed","ta_windows_action":"failure","Error_Code":"-","vendor":"Microsoft","product":"Windows","Token_Elevation_Type":"%%1936","Token_Elevation_Type_id":"1","Logon_ID":"0x3e7","Caller_Domain":"CORP","Caller_User_Name":"DC1$","new_process":"C:\\Windows\\System32\\cmd.exe","new_process_name":"cmd.exe","new_process_id":"0x1a2c","Process_Command_Line":"cmd.exe /c echo a &amp; echo &quot;b&quot;","process_command_line_process":"cmd.exe","process_command_line_arguments":"/c echo a &amp; echo &quot;b&quot;","session_id":"0x3e7","dest":"dc1.corp.local","src_nt_domain":"CORP","src_user":"DC1$","status":"success","signature":"A new process has been created","name":"A new process has been created","subject":"A new process has been created","dvc":"dc1.corp.local","id":"42","signature_id":"4688","vendor_product":"Microsoft Windows","eventtype":["windows_event_signature","wineventlog_security","windows_process_new","windows_endpoint_processes"],"tag":["track_event_signatures","os","windows","process","execute","start","report"],"site":"lab"}
        """;

    [Fact]
    public void A_store_written_by_main_reads_back_the_same_events_beside_recipes()
    {
        var path = Path.Combine(_dir, "escudo.duckdb");
        using (var c = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + path))
        {
            c.Open();
            using var cmd = c.CreateCommand();

            // main's table, and one event as main wrote it.
            cmd.CommandText = """
                CREATE TABLE events(_time DOUBLE, idx VARCHAR, host VARCHAR, source VARCHAR, sourcetype VARCHAR, event_code VARCHAR, _raw VARCHAR, fields VARCHAR);
                INSERT INTO events VALUES (1700000000.25, 'main', 'wks-1', 'XmlWinEventLog:Security', 'XmlWinEventLog', '4688', $1, $2);
                """;
            using var doc = JsonDocument.Parse(MainBody);
            cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter(doc.RootElement.GetProperty("event").GetString()!));
            cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter(MainFields));
            cmd.ExecuteNonQuery();
        }

        var expected = HecDifferentialSupport.Fields(HecDifferentialSupport.Legacy(MainBody, HecDifferentialSupport.Plain));
        using (var store = new DuckDbStore(_dir))
        {
            var old = store.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).Single();
            Assert.Equal(expected, HecDifferentialSupport.Fields(old));
            store.Commit([Recipe(JsonDocument.Parse(MainBody).RootElement.GetProperty("event").GetString()!, "wks-1")], []);
        }

        // Reopened: the old event and the recipe beside it.
        using var reopened = new DuckDbStore(_dir);
        var rows = reopened.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).OrderBy(r => r.Ref.Record).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(expected, HecDifferentialSupport.Fields(rows[0]));
        var fields = StoredFieldsOf(reopened);
        Assert.Equal('{', fields[0][0]);
        Assert.Equal('[', fields[1][0]);
    }

    [Fact]
    public void A_recipe_of_an_unknown_version_or_for_a_raw_that_is_not_xml_is_refused_with_a_message()
    {
        var e = Assert.Throws<InvalidDataException>(() => RowCodec.Decode("[2,null,null,null,\"main\",[],[]]", "<Event/>"));
        Assert.Contains("format", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidDataException>(() => RowCodec.Decode("[1,null,null,null,\"main\",[],[]]", "plain text"));
        Assert.Contains("not a Windows XML event", e.Message, StringComparison.Ordinal);
    }

    private static readonly string[] Users =
        ["admin", "ADMIN", "adm\u0131n", "\u017Fystem", "SYSTEM", "bob &quot;quoted&quot;", "C:\\Users\\carol", "\u00fcn\u00efcode", "user42", "user420", "a&amp;b", "&lt;html&gt;", "tab\there"];

    /// <summary>Sysmon events, stored as recipes, whose users are built to fall between _raw, the recipe's text and the engine's matching.</summary>
    private static List<Row> XmlEvents()
    {
        var rows = new List<Row>();
        for (var i = 0; i < Users.Length * 2; i++)
        {
            var xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>1</EventID>"
                + $"<TimeCreated SystemTime='2024-01-02T03:04:{i % 60:00}.0000000Z'/><EventRecordID>{i}</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>wks-{i % 3}</Computer></System><EventData>"
                + $"<Data Name='Image'>C:\\Windows\\System32\\p{i}.exe</Data><Data Name='User'>{Users[i % Users.Length]}</Data><Data Name='CommandLine'>p{i}.exe {Users[(i + 1) % Users.Length]}</Data></EventData></Event>";
            rows.Add(Recipe(xml, null));
        }

        return rows;
    }

    private static Row Recipe(string xml, string? host)
    {
        var recipe = new XmlRowRecipe(null, "XmlWinEventLog", host, "main");
        var row = recipe.Map(WindowsXmlParser.Parse(xml)!, xml);
        recipe.Attach(row);
        return row;
    }

    public static TheoryData<string> Searches() =>
    [
        "User=admin", "user=ADMIN", "User=system", "User=*ystem", "User=\"bob \\\"quoted\\\"\"", "User=*quoted*", "User=\"a&b\"", "User=*&amp;*",
        "User=*html*", "user=user42", "User=user4*", "CommandLine=*carol*", "process_name=p1.exe", "vendor_product=*sysmon*", "signature=*process*",
        "action=allowed", "tag=process", "eventtype=*endpoint*", "user=admin OR host=wks-1", "NOT User=admin", "User=tab*", "_raw=*ADMIN*",
    ];

    [Theory]
    [MemberData(nameof(Searches))]
    public void Store_of_recipes_returns_what_the_engine_finds_in_memory(string search)
    {
        var events = XmlEvents();
        using var store = new DuckDbStore(_dir);
        store.Commit(events, []);
        Assert.All(StoredFieldsOf(store), f => Assert.StartsWith("[", f, StringComparison.Ordinal));
        var fromStore = Run(new SearchStore(store, CancellationToken.None), search);
        var inMemory = Run(new MemoryStore(events), search);
        Assert.Equal(inMemory, fromStore);
    }

    [Fact]
    public void A_selective_search_over_recipes_still_decodes_only_the_rows_that_can_match()
    {
        using var store = new DuckDbStore(_dir);
        store.Commit(XmlEvents(), []);
        var scanned = 0;
        var compiled = SplEngine.Compile("search User=user42", new SearchContext { Events = new Counting(store, () => scanned++) });
        Assert.True(compiled.Success);
        Assert.Equal(2, compiled.Search!.Run().Count());
        // Of 26, the literal alone keeps 10: user42 and user420 as User and in the event before's CommandLine (6),
        // and the four holding ſystem (kept: the literal has an s, and ſ upper-cases to S); the User field's keys
        // (FieldKeys, ANDed with it) keep only the two whose User is user42.
        Assert.Equal(2, scanned);
    }

    /// <summary>
    /// Every Windows XML event of the real datasets (the XmlWinEventLog sample, and the first events
    /// of each EVTX recording as Windows renders them), sent through HEC: read back from the store,
    /// each has exactly the fields the plain path gives it.
    /// </summary>
    [Fact]
    public async Task Every_xml_event_of_the_datasets_reads_back_with_identical_fields()
    {
        var datasets = SharedData.Require("datasets");
        var events = new List<(string Raw, string Source)>();
        foreach (var line in File.ReadLines(Path.Combine(datasets, "security_content/data_sources/example_logs.xmlwineventlog.txt")))
        {
            if (line.Contains("<Event", StringComparison.Ordinal))
            {
                events.Add((line, "XmlWinEventLog:sample"));
            }
        }

        foreach (var file in Directory.EnumerateFiles(datasets, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (var row in InputReader.Read(file, problems: _ => { }).Take(40))
            {
                if (row.Get(FieldTable.Raw).FirstString() is { } raw && raw.StartsWith("<Event", StringComparison.Ordinal))
                {
                    events.Add((raw, row.Get(FieldTable.Source).FirstString() ?? "unknown"));
                }
            }
        }

        Assert.True(events.Count > 5_000, $"{events.Count} XML events found");
        using var hec = new HecDifferentialSupport();
        var objects = events.Select((e, i) => $"{{\"time\":{1_700_000_000 + i},\"source\":{JsonSerializer.Serialize(e.Source)},\"sourcetype\":\"XmlWinEventLog\",\"event\":{JsonSerializer.Serialize(e.Raw)}}}").ToList();
        foreach (var chunk in objects.Chunk(500))
        {
            Assert.Equal(200, (await hec.EventAsync(string.Join("\n", chunk), HecDifferentialSupport.Plain)).Status);
        }

        var stored = hec.Stored();
        Assert.Equal(objects.Count, stored.Count);
        long plainBytes = 0;
        for (var i = 0; i < objects.Count; i++)
        {
            var legacy = HecDifferentialSupport.Legacy(objects[i], HecDifferentialSupport.Plain);
            Assert.True(HecDifferentialSupport.Fields(legacy) == HecDifferentialSupport.Fields(stored[i]), $"event {i} ({events[i].Source}) differs:\n{HecDifferentialSupport.Fields(legacy)}\n---\n{HecDifferentialSupport.Fields(stored[i])}");
            plainBytes += Encoding.UTF8.GetByteCount(RowCodec.Encode(legacy));
        }

        var recipes = StoredFieldsOf(hec.Store);
        Assert.All(recipes, f => Assert.StartsWith("[", f, StringComparison.Ordinal));
        for (var i = 0; i < recipes.Count; i++)
        {
            // The pushdown's superset: every text of every field is in _raw as it stands or in the recipe's text list.
            var raw = stored[i].Get(FieldTable.Raw).FirstString()!;
            var texts = JsonDocument.Parse(recipes[i]).RootElement[6].EnumerateArray().Select(t => t.GetString()!).ToHashSet(StringComparer.Ordinal);
            for (var f = 0; f < stored[i].Count; f++)
            {
                var v = stored[i].ValueAt(f);
                var items = v.Kind == ValueKind.Multi ? v.Items.ToArray() : [v.ToDisplayString()];
                var missing = stored[i].IdAt(f) == FieldTable.Raw || (v.Kind == ValueKind.Number && double.IsFinite(v.RawNumber)) ? null
                    : items.FirstOrDefault(t => t.Length > 0 && !raw.Contains(t, StringComparison.Ordinal) && !texts.Contains(t));
                Assert.True(missing is null, $"event {i}: {stored[i].NameAt(f)}='{missing}' is neither in _raw nor in the recipe's texts");
            }
        }

        long recipeBytes = recipes.Sum(f => (long)Encoding.UTF8.GetByteCount(f));
        output.WriteLine($"{objects.Count} XML events: stored fields {plainBytes / objects.Count} bytes per event as JSON, {recipeBytes / objects.Count} as recipes; _raw {events.Sum(e => (long)Encoding.UTF8.GetByteCount(e.Raw)) / objects.Count}");
    }

    private static List<string> StoredFieldsOf(DuckDbStore store)
    {
        using var c = DuckDbFiles.Open(store.Path_);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT fields FROM events ORDER BY rowid";
        using var r = cmd.ExecuteReader();
        var result = new List<string>();
        while (r.Read())
        {
            result.Add(r.GetString(0));
        }

        return result;
    }

    private static List<string> Run(IStore store, string search)
    {
        var compiled = SplEngine.Compile("search " + search, new SearchContext { Events = store, DataModels = store });
        Assert.True(compiled.Success, search);
        return [.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r)).Order(StringComparer.Ordinal)];
    }

    /// <summary>The store's scan, counting the rows it decodes.</summary>
    private sealed class Counting(DuckDbStore store, Action decoded) : IEventSource
    {
        public bool AppliesFilters => false;

        public IEnumerable<Row> Scan(ScanRequest request)
        {
            foreach (var row in store.Scan(request))
            {
                decoded();
                yield return row;
            }
        }
    }
}
