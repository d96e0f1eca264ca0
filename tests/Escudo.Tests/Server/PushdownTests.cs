using Escudo.Server.Storage;

namespace Escudo.Tests.Server;

/// <summary>What the store may evaluate in SQL: only constraints every matching event satisfies.</summary>
public sealed class PushdownTests
{
    private static string Show(Pushdown p) =>
        string.Join(" ", p.Equalities.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + string.Join(",", kv.Value)));

    [Theory]
    [InlineData("index=main sourcetype=XmlWinEventLog EventCode=4688 | stats count", "EventCode=4688 index=main sourcetype=XmlWinEventLog")]
    [InlineData("search index=\"main\" user=bob", "index=main")]
    [InlineData("(source=\"XmlWinEventLog:Microsoft-Windows-Sysmon/Operational\" OR source=\"Syslog:Linux-Sysmon/Operational\") EventID=3 process_name=regasm.exe",
        "source=XmlWinEventLog:Microsoft-Windows-Sysmon/Operational,Syslog:Linux-Sysmon/Operational")]
    [InlineData("index=main NOT sourcetype=x host=h*", "index=main")]
    [InlineData("index = main", "index=main")]
    [InlineData("(index=a OR sourcetype=b) host=h", "host=h")]
    [InlineData("index=a OR index=b", "")]
    [InlineData("index=a [search index=b | fields user]", "")]
    [InlineData("index=a | append [| makeresults]", "")]
    [InlineData("| tstats count from datamodel=Endpoint.Processes", "")]
    [InlineData("index!=a EventCode>4 sourcetype==x", "")]
    public void Finds_only_safe_equalities(string search, string expected) =>
        Assert.Equal(expected, Show(PushdownAnalyzer.FromSearch(search)));

    [Fact]
    public void Contradictory_constraints_intersect_to_nothing()
    {
        var p = PushdownAnalyzer.FromSearch("index=a index=b");
        Assert.Empty(p.Equalities["index"]);
    }
}
