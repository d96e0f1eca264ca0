using Escudo.Core.Storage;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Planning.Pushdown;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Tests.Server;

/// <summary>What the store may evaluate in SQL: only constraints every matching event satisfies, found in the parsed search.</summary>
public sealed class PushdownTests
{
    private static string Show(Pushdown p) =>
        string.Join(" ", p.Equalities.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + string.Join(",", kv.Value)));

    /// <summary>The leading scan's condition, as the planner builds it from the syntax tree.</summary>
    internal static ScanCondition? Condition(string search)
    {
        var parsed = SplEngine.Parse(search);
        Assert.True(parsed.Success, search);
        return parsed.Value!.Commands[0] is SearchCommand s ? ScanConditionBuilder.From(s.Expr) : null;
    }

    [Theory]
    [InlineData("index=main sourcetype=XmlWinEventLog EventCode=4688 | stats count", "EventCode=4688 index=main sourcetype=XmlWinEventLog")]
    [InlineData("search index=\"main\" user=bob", "index=main")]
    [InlineData("(source=\"XmlWinEventLog:Microsoft-Windows-Sysmon/Operational\" OR source=\"Syslog:Linux-Sysmon/Operational\") EventID=3 process_name=regasm.exe",
        "source=XmlWinEventLog:Microsoft-Windows-Sysmon/Operational,Syslog:Linux-Sysmon/Operational")]
    [InlineData("index=main NOT sourcetype=x host=h*", "index=main")]
    [InlineData("index = main", "index=main")]
    [InlineData("(index=a OR sourcetype=b) host=h", "host=h")]
    [InlineData("index=a OR index=b", "")]
    [InlineData("index=a [search index=b | fields user]", "index=a")] // the subsearch's terms are ANDed: index=a still holds
    [InlineData("index=a | append [| makeresults]", "index=a")] // the appended search scans with its own condition
    [InlineData("EventCode IN (1, 3) index=main", "EventCode=1,3 index=main")]
    [InlineData("| tstats count from datamodel=Endpoint.Processes", "")]
    [InlineData("index!=a EventCode>4", "")]
    [InlineData("index!=a EventCode>4 sourcetype==x", "sourcetype=x")] // the parser reads == as =, and so does the engine's filter
    public void Finds_only_safe_equalities(string search, string expected) =>
        Assert.Equal(expected, Show(PushdownAnalyzer.FromCondition(Condition(search))));

    [Fact]
    public void Contradictory_constraints_intersect_to_nothing()
    {
        var p = PushdownAnalyzer.FromCondition(Condition("index=a index=b"));
        Assert.Empty(p.Equalities["index"]);
    }
}
