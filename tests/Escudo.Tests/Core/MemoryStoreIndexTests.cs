using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Store;
using Escudo.Spl;
using Escudo.Spl.Execution;

namespace Escudo.Tests.Core;

/// <summary>
/// MemoryStore answers searches on indexed fields (EventCode, source, ...) from postings lists
/// instead of reading every event. The index must be invisible: the same rows, in the same order,
/// as reading every event, whatever the case of the text or the way a number is written.
/// </summary>
public class MemoryStoreIndexTests
{
    [Theory]
    [InlineData("EventCode=3")]
    [InlineData("EventCode=3.0 user=u1")]
    [InlineData("EventCode IN (1, 3, 4688)")]
    [InlineData("source=\"xmlwineventlog:microsoft-windows-sysmon/operational\" OR EventCode=4688")]
    [InlineData("EventCode=3 NOT user=u2")]
    [InlineData("sourcetype=Other EventCode=1")]
    [InlineData("EventCode=99")]
    [InlineData("EventID=7 OR Channel=Security")]
    public void IndexedScansReturnWhatAFullScanReturns(string search)
    {
        var events = new List<Row>();
        for (var i = 0; i < 3000; i++)
        {
            var r = new Row();
            r.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + i));
            r.Set(FieldTable.Intern("EventCode"), Value.FromString((i % 7) switch { 0 => "1", 1 => "3", 2 => "03", 3 => "4688", 4 => "3", _ => "5" }));
            if (i % 11 == 0)
            {
                r.Set(FieldTable.Intern("EventID"), Value.FromMulti(["7", "8"]));
            }

            r.Set(FieldTable.Source, Value.FromString(i % 2 == 0 ? "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" : "WinEventLog:Security"));
            r.Set(FieldTable.SourceType, Value.FromString(i % 5 == 0 ? "other" : "XmlWinEventLog"));
            r.Set(FieldTable.Intern("Channel"), Value.FromString(i % 3 == 0 ? "security" : "System"));
            r.Set(FieldTable.Intern("user"), Value.FromString("u" + (i % 4)));
            r.Set(FieldTable.Intern("n"), Value.FromNumber(i));
            events.Add(r);
        }

        Assert.NotNull(ScanKeys.Required(((Spl.Syntax.Ast.SearchCommand)SplEngine.Parse("search " + search).Value!.Commands[0]).Expr));
        var indexed = Run(new MemoryStore(events), search);
        var full = Run(new ViewStore(events, new Dictionary<DataModelDataset, IEnumerable<Row>>(), DataModelCatalog.Cim), search);
        Assert.Equal(full, indexed);
    }

    [Theory]
    [InlineData("process=\"*powershell*\"")]
    [InlineData("process=\"*POWERSHELL*\" OR process=\"*cmd.exe*\"")]
    [InlineData("process=\"C:\\\\Windows\\\\*\" user=u1")]
    [InlineData("process=*ß*")]
    [InlineData("process IN (\"*rundll32*\", \"other\")")]
    [InlineData("tag=*b*")]
    [InlineData("tag=alpha OR process=*cmd*")]
    [InlineData("n=*7*")]
    [InlineData("id=*99*")]
    [InlineData("missing=*x*")]
    [InlineData("process=*powershell* NOT user=u2 | where n > 10")]
    public void LexiconScansReturnWhatAFullScanReturns(string search)
    {
        var events = new List<Row>();
        string[] processes = ["powershell.exe -nop", "C:\\Windows\\System32\\cmd.exe /c x", "POWERSHELL.EXE", "RunDll32.exe a,b", "other", "straße.exe", "STRASSE.EXE"];
        for (var i = 0; i < 3000; i++)
        {
            var r = new Row();
            r.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + i));
            if (i % 5 != 0)
            {
                r.Set(FieldTable.Intern("process"), Value.FromString(processes[i % processes.Length]));
            }

            if (i % 4 == 0)
            {
                r.Set(FieldTable.Intern("tag"), Value.FromMulti(["alpha", i % 8 == 0 ? "beta" : "gamma"]));
            }

            r.Set(FieldTable.Intern("user"), Value.FromString("u" + (i % 4)));
            r.Set(FieldTable.Intern("n"), i % 3 == 0 ? Value.FromNumber(i) : Value.FromString(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            r.Set(FieldTable.Intern("id"), Value.FromString("id-" + i)); // all distinct: no lexicon
            events.Add(r);
        }

        Assert.Null(ScanKeys.Required(((Spl.Syntax.Ast.SearchCommand)SplEngine.Parse("search " + search).Value!.Commands[0]).Expr));
        var store = new MemoryStore(events);
        var full = Run(new ViewStore(events, new Dictionary<DataModelDataset, IEnumerable<Row>>(), DataModelCatalog.Cim), search);
        Assert.True(full.Count > 0 || search.StartsWith("missing", StringComparison.Ordinal), "the case should match some events");
        Assert.Equal(full, Run(store, search));
        Assert.Equal(full, Run(store, search)); // from the lexicon built by the first
    }

    [Theory]
    [InlineData("Processes.process_name IN (\"cmd.exe\", \"POWERSHELL.exe\")")]
    [InlineData("Processes.process_name=\"*dll*\" OR Processes.user=u1")]
    [InlineData("Processes.process_name=*32* Processes.user=u2")]
    [InlineData("Processes.dest=d3 OR Processes.process_name=other")]
    public void TstatsOverLexiconReturnsWhatAllRowsReturn(string where)
    {
        var ds = DataModelCatalog.Cim.Resolve("Endpoint.Processes")!;
        var events = new List<Row>();
        string[] names = ["cmd.exe", "powershell.exe", "rundll32.exe", "other.exe", "Cmd.EXE"];
        for (var i = 0; i < 3000; i++)
        {
            var ev = new Row();
            ev.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + i));
            ev.Set("tag", Value.FromMulti(["process", "report"]));
            ev.Set("process_name", names[i % names.Length]);
            ev.Set("user", "u" + (i % 3));
            ev.Set("dest", "d" + (i % 4));
            events.Add(ev);
        }

        var spl = $"| tstats count min(_time) as first from datamodel=Endpoint.Processes where {where} by Processes.process_name Processes.user";
        var store = new MemoryStore(events);
        var view = new ViewStore(events, new Dictionary<DataModelDataset, IEnumerable<Row>> { [ds] = store.RowsOf(ds).ToList() }, DataModelCatalog.Cim);
        var expected = RunRows(view, spl);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, RunRows(store, spl));
        Assert.Equal(expected, RunRows(store, spl));
    }

    private static List<string> RunRows(Escudo.Core.Storage.IStore store, string spl)
    {
        var compiled = SplEngine.Compile(spl, new SearchContext { Events = store, DataModels = store });
        Assert.True(compiled.Success, compiled.Diagnostic?.Message);
        return compiled.Search!.Run().Select(r => r.ToString()).ToList();
    }

    private static List<string> Run(Escudo.Core.Storage.IStore store, string search)
    {
        var compiled = SplEngine.Compile(search + " | table n", new SearchContext { Events = store, DataModels = store });
        Assert.True(compiled.Success, compiled.Diagnostic?.Message);
        return compiled.Search!.Run().Select(r => r.Get(FieldTable.Intern("n")).ToDisplayString()).ToList();
    }
}
