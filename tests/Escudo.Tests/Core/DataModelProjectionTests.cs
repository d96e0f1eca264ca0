using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Tests.Core;

public class DataModelProjectionTests
{
    /// <summary>
    /// Regression: the calculated fields (process_name, parent_process_name, process_integrity_level)
    /// once read field id 0 (`_time`) because the catalog was built before its static field ids were set.
    /// </summary>
    [Fact]
    public void CalculatedProcessFieldsReadTheirOwnSourceFields()
    {
        var ev = new Row();
        ev.Set(FieldTable.Time, Value.FromNumber(1700000000));
        ev.Set("tag", Value.FromMulti(["process", "report"]));
        ev.Set("process_name", "cmd.exe");
        ev.Set("parent_process", "C:\\Windows\\explorer.exe /factory");
        ev.Set("process_integrity_level", "High");

        var ds = DataModelCatalog.Cim.Resolve("Endpoint.Processes")!;
        Assert.True(DataModelMapper.Matches(ds, ev));
        var row = DataModelMapper.Project(ds, ev);

        Assert.Equal("cmd.exe", row.Get("Processes.process_name").ToDisplayString());
        // CIM: parent_process_name falls back to the first token of parent_process.
        Assert.Equal("C:\\Windows\\explorer.exe", row.Get("Processes.parent_process_name").ToDisplayString());
        // CIM lower-cases the integrity level in the dataset's base search.
        Assert.Equal("high", row.Get("Processes.process_integrity_level").ToDisplayString());
        // Calculated fields with no source default to "unknown".
        Assert.Equal("unknown", row.Get("Processes.user").ToDisplayString());
    }
}
