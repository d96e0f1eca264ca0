using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Detections.Store;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;

namespace Escudo.Tests.Core;

/// <summary>
/// A where after stats that reads only by-fields is also asked when a group is first seen, so
/// groups it would drop are never held. The results must be those of the plain run, and a where
/// that depends on an aggregate (directly, through an eval or a rename) must not be pushed.
/// </summary>
public class GroupPushdownTests
{
    private static List<Row> Events()
    {
        var rows = new List<Row>();
        for (var i = 0; i < 500; i++)
        {
            var r = new Row();
            r.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + (i * 60)));
            r.Set(FieldTable.Intern("a"), Value.FromString(new string('x', 1 + (i % 7))));
            r.Set(FieldTable.Intern("b"), Value.FromString("b" + (i % 5)));
            rows.Add(r);
        }

        return rows;
    }

    [Theory]
    [InlineData("* | stats count by a, b | rename a as x | eval n=len(x) | where n > 5", true)]
    [InlineData("* | bin _time span=1h | stats count min(_time) as first by _time a | where like(a, \"xxxx%\") | eval z=1", true)]
    [InlineData("* | stats count by a | where count > 80", false)]
    [InlineData("* | stats count by a | eval a=count | where a > 80", false)]
    [InlineData("* | stats count as c by a | rename c as a | where a > 80", false)]
    [InlineData("* | stats count by a | convert ctime(a) | where len(a) > 3", false)]
    public void PushedWhereKeepsTheResultsAndHoldsFewerGroups(string search, bool pushed)
    {
        var events = Events();
        var ctx = new SearchContext { Events = new MemoryStore(events), DataModels = new MemoryStore(events) };
        var plain = SplEngine.Compile(search, ctx);
        Assert.True(plain.Success, plain.Diagnostic?.Message);
        var expected = plain.Search!.Run().Select(ResultJson.ToJsonLine).ToList();

        var compiled = SplEngine.Compile(search, ctx);
        var stream = StreamingPipeline.TryCreate(compiled.Search!);
        Assert.NotNull(stream);
        foreach (var e in events)
        {
            stream!.Push(e);
        }

        Assert.Equal(pushed, stream!.PushedFilters > 0);
        var groupsHeld = stream.GroupCount;
        Assert.Equal(expected, stream.Finish().Select(ResultJson.ToJsonLine).ToList());
        if (pushed)
        {
            // Fewer groups than the plain stats makes, and at least the results.
            var all = SplEngine.Compile(search[..search.IndexOf(" | ", search.IndexOf("stats", StringComparison.Ordinal), StringComparison.Ordinal)], ctx).Search!.Run().Count();
            Assert.InRange(groupsHeld, expected.Count, all - 1);
        }
    }
}
