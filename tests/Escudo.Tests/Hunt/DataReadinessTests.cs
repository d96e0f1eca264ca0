using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;

namespace Escudo.Tests.Hunt;

/// <summary>
/// A detection had the data it needs when the input held events of one of its ESCU data sources:
/// their source and, for a data source with a separator, that field's value (the last word of the
/// data source's name, as in "Sysmon EventID 1").
/// </summary>
public class DataReadinessTests
{
    private static Row Event(string source, string code)
    {
        var r = new Row();
        r.Set(FieldTable.Source, Value.FromString(source));
        r.Set(FieldTable.SourceType, Value.FromString("XmlWinEventLog"));
        r.Set(FieldTable.Intern("EventID"), Value.FromString(code));
        r.Set(FieldTable.Intern("EventCode"), Value.FromString(code));
        return r;
    }

    [Fact]
    public void ADetectionIsReadyWhenOneOfItsDataSourcesWasSeenWithItsEventCode()
    {
        var folder = Directory.CreateTempSubdirectory("escudo-readiness-");
        try
        {
            var ds = Directory.CreateDirectory(Path.Combine(folder.FullName, "data_sources"));
            File.WriteAllText(Path.Combine(ds.FullName, "sysmon_eventid_1.yml"), "name: Sysmon EventID 1\nsource: XmlWinEventLog:Microsoft-Windows-Sysmon/Operational\nsourcetype: xmlwineventlog\nseparator: EventID\n");
            File.WriteAllText(Path.Combine(ds.FullName, "security_4688.yml"), "name: Windows Event Log Security 4688\nsource: XmlWinEventLog:Security\nsourcetype: xmlwineventlog\nseparator: EventCode\n");
            File.WriteAllText(Path.Combine(ds.FullName, "broken.yml"), "name: [unclosed\n");
            var problems = new List<string>();
            var readiness = DataReadiness.Load(folder.FullName, (file, _) => problems.Add(file));
            Assert.Single(problems); // the broken file is reported, the others load

            var processes = new Detection { Name = "p", DataSource = ["Sysmon EventID 1", "Windows Event Log Security 4688"] };
            var security = new Detection { Name = "s", DataSource = ["Windows Event Log Security 4688"] };
            var unknown = new Detection { Name = "u", DataSource = ["Something Else"] };

            // Sysmon events, but of another kind (EventID 3), and Security events of another code.
            readiness.Observe(Event("XmlWinEventLog:Microsoft-Windows-Sysmon/Operational", "3"));
            readiness.Observe(Event("XmlWinEventLog:Security", "4624"));
            Assert.False(readiness.Ready(processes));
            Assert.False(readiness.Ready(security));
            Assert.Null(readiness.Ready(unknown));

            readiness.Observe(Event("XmlWinEventLog:Microsoft-Windows-Sysmon/Operational", "1"));
            Assert.True(readiness.Ready(processes)); // one alternative is enough
            Assert.False(readiness.Ready(security));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
