using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Detections.Store;
using Escudo.Spl;
using Escudo.Spl.Execution;

namespace Escudo.Tests.Core;

/// <summary>
/// stats groups by the text of the by-field values
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Stats): a number and a
/// string that print alike fall in one group, numbers that print differently do not. Numbers
/// come from eval and bin, strings from events.
/// </summary>
public class StatsGroupKeyTests
{
    [Fact]
    public void NumbersAndStringsGroupByTheirText()
    {
        var values = new[]
        {
            Value.FromNumber(5), Value.FromString("5"), Value.FromNumber(5.0),
            Value.FromNumber(0.1 + 0.2), Value.FromNumber(0.3), Value.FromString("0.3"),
            Value.FromNumber(1e20), Value.FromString("1E+20"), Value.FromNumber(-0.0), Value.FromString("0"),
            Value.FromString("05"), Value.True, Value.FromString("true"),
        };
        var rows = values.Select(v =>
        {
            var r = new Row();
            r.Set(FieldTable.Intern("k"), v);
            return r;
        }).ToList();
        var ctx = new SearchContext { Events = new MemoryStore(rows), DataModels = new MemoryStore(rows) };
        var result = SplEngine.Compile("* | stats count by k", ctx).Search!.Run()
            .ToDictionary(r => r.Get(FieldTable.Intern("k")).ToDisplayString(), r => r.Get(FieldTable.Intern("count")).ToDisplayString());
        Assert.Equal("3", result["5"]);
        Assert.Equal("1", result["0.30000000000000004"]);
        Assert.Equal("2", result["0.3"]);
        Assert.Equal("2", result["1E+20"]);
        Assert.Equal("2", result["0"]);
        Assert.Equal("1", result["05"]);
        Assert.Equal("2", result["true"]);
        Assert.Equal(7, result.Count);
    }
}
