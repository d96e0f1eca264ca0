using System.Text;
using Escudo.Core.Events;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Hostile;

/// <summary>
/// Issue 16: Sysmon's own EventType (and fields named like collector metadata in another case)
/// survive JSON input; NXLog's level word in the same key does not become a field.
/// </summary>
public sealed class JsonSysmonFieldTests
{
    private static readonly HashSet<string> SysmonEventTypes = ["CreateKey", "DeleteKey", "SetValue", "DeleteValue", "RenameKey", "CreatePipe", "ConnectPipe"];

    private static readonly HashSet<string> NxlogLevels = ["INFO", "AUDIT_SUCCESS", "AUDIT_FAILURE", "ERROR", "WARNING", "VERBOSE", "CRITICAL", "DEBUG"];

    [Fact]
    public void EventTypePortAndTypeAreEventFieldsAndTheCollectorsAreNot()
    {
        var line = "{\"EventID\":12,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Hostname\":\"WS5\",\"TimeCreated\":\"2020-10-21 12:19:09.136\",\"EventType\":\"DeleteKey\",\"Image\":\"C:\\\\windows\\\\system32\\\\svchost.exe\",\"TargetObject\":\"HKLM\\\\System\\\\CurrentControlSet\\\\Services\\\\Foo\",\"Port\":\"445\",\"Type\":\"2\",\"port\":60427,\"type\":\"wineventlog\"}\n"
            + "{\"EventID\":4624,\"Channel\":\"Security\",\"Hostname\":\"WS5\",\"EventType\":\"AUDIT_SUCCESS\",\"TargetUserName\":\"bob\"}\n";
        var rows = InputReader.ReadStream(new MemoryStream(Encoding.UTF8.GetBytes(line)), "s12.json", EventReadOptions.Default, p => throw new InvalidOperationException(p.ToString())).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal("DeleteKey", rows[0].Get("EventType").ToDisplayString());
        Assert.Equal("445", rows[0].Get("Port").ToDisplayString());
        Assert.Equal("2", rows[0].Get("Type").ToDisplayString());
        Assert.Contains("<Data Name='EventType'>DeleteKey</Data>", rows[0].Get(FieldTable.Raw).ToDisplayString(), StringComparison.Ordinal);
        Assert.DoesNotContain("60427", rows[0].Get(FieldTable.Raw).ToDisplayString(), StringComparison.Ordinal);
        Assert.True(rows[1].Get("EventType").IsNull, "NXLog's level word is collector metadata");
    }

    [Fact]
    public void SysmonEventTypeSurvivesInTheSecurityDatasetsJsonRecordings()
    {
        // Counted independently from the JSON itself: every Sysmon event whose recording carries
        // Sysmon's EventType must have it as a field, value for value. (Some recordings were
        // written by a pipeline that renamed NXLog's key to EventTypeOrignal and dropped Sysmon's;
        // those have no EventType to keep.)
        var folder = SharedData.Require("datasets/Security-Datasets");
        var zips = Directory.EnumerateFiles(folder, "*.zip", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(zips);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var actual = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var zip in zips)
        {
            using (var archive = System.IO.Compression.ZipFile.OpenRead(zip))
            {
                foreach (var entry in archive.Entries.Where(e => e.FullName.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !e.FullName.Contains("__MACOSX", StringComparison.Ordinal)))
                {
                    using var reader = new StreamReader(entry.Open());
                    while (reader.ReadLine() is { } line)
                    {
                        if (line.Length == 0)
                        {
                            continue;
                        }

                        using var doc = System.Text.Json.JsonDocument.Parse(line);
                        var root = doc.RootElement;
                        if (root.TryGetProperty("Channel", out var channel) && channel.GetString() == "Microsoft-Windows-Sysmon/Operational"
                            && root.TryGetProperty("EventType", out var et) && et.GetString() is { } value && SysmonEventTypes.Contains(value))
                        {
                            expected[value] = expected.GetValueOrDefault(value) + 1;
                        }
                    }
                }
            }

            foreach (var row in InputReader.Read(zip, EventReadOptions.Default))
            {
                var eventType = row.Get("EventType");
                if (eventType.IsNull)
                {
                    continue;
                }

                var value = eventType.ToDisplayString();
                Assert.DoesNotContain(value, NxlogLevels);
                if (row.Get("source").ToDisplayString() == "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational")
                {
                    actual[value] = actual.GetValueOrDefault(value) + 1;
                }
            }
        }

        Assert.True(expected.Values.Sum() > 10_000, $"only {expected.Values.Sum()} Sysmon events with EventType in the JSON recordings");
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), actual.OrderBy(e => e.Key, StringComparer.Ordinal));
    }
}
