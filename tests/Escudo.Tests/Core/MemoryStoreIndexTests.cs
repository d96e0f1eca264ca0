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

    private static List<string> Run(Escudo.Core.Storage.IStore store, string search)
    {
        var compiled = SplEngine.Compile(search + " | table n", new SearchContext { Events = store, DataModels = store });
        Assert.True(compiled.Success, compiled.Diagnostic?.Message);
        return compiled.Search!.Run().Select(r => r.Get(FieldTable.Intern("n")).ToDisplayString()).ToList();
    }
}
