using Escudo.Ingest;
using Escudo.Ingest.Evtx;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;
using Xunit.Abstractions;

namespace Escudo.Tests.Ingest.Evtx;

/// <summary>
/// The WindowsEvent the EVTX reader fills while rendering must be the one WindowsXmlParser gives
/// for the rendered XML, and reading chunks on several threads must give the same records and
/// problems in the same order as reading on one.
/// </summary>
public class EvtxWindowsEventTests(ITestOutputHelper output)
{
    [Fact]
    public void EvtxDirectWindowsEventEqualsTheParsedXmlOnEveryDatasetRecord()
    {
        var records = 0;
        var fromText = 0;
        var mismatches = new List<string>();
        foreach (var path in EvtxTestSupport.AllEvtxFiles())
        {
            using var evtx = EvtxFile.Open(path);
            foreach (var r in evtx.ReadRecords(_ => { }, new EvtxReadOptions { WindowsEvents = true }))
            {
                records++;
                fromText += r.EventFromText ? 1 : 0;
                var expected = WindowsXmlParser.Parse(r.Xml);
                var difference = Difference(expected, r.Event);
                if (difference is not null && mismatches.Count < 20)
                {
                    mismatches.Add($"{EvtxTestSupport.Relative(path)} record {r.RecordId}: {difference}");
                }
            }
        }

        output.WriteLine($"{records} records, {fromText} parsed from the text because of their shape");
        Assert.True(records > 30_000, $"only {records} records read");
        Assert.Empty(mismatches);

        // The direct path must be the rule, not the exception.
        Assert.True(fromText < records / 100, $"{fromText} of {records} events needed the text parser");
    }

    [Fact]
    public void EvtxParallelReadGivesTheSameRecordsAndProblemsInOrder()
    {
        var files = EvtxTestSupport.AllEvtxFiles()
            .Where(f => f.Contains("evtx-rs-samples", StringComparison.Ordinal) || f.Contains("many-events", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);
        foreach (var path in files)
        {
            var one = Read(path, 1);
            var three = Read(path, 3);
            Assert.Equal(one.Problems, three.Problems);
            Assert.Equal(one.Records.Count, three.Records.Count);
            for (var i = 0; i < one.Records.Count; i++)
            {
                Assert.Equal(one.Records[i].RecordId, three.Records[i].RecordId);
                Assert.Equal(one.Records[i].FileOffset, three.Records[i].FileOffset);
                Assert.Equal(one.Records[i].Xml, three.Records[i].Xml);
                Assert.Null(Difference(one.Records[i].Event, three.Records[i].Event));
            }
        }
    }

    [Fact]
    public void EvtxParallelReadCanStopEarly()
    {
        var path = EvtxTestSupport.AllEvtxFiles().First(f => f.Contains("many-events", StringComparison.Ordinal));
        using var evtx = EvtxFile.Open(path);
        var first = evtx.ReadRecords(null, new EvtxReadOptions { Threads = 2 }).Take(3).ToList();
        Assert.Equal(3, first.Count);
    }

    private static (List<EvtxRecord> Records, List<string> Problems) Read(string path, int threads)
    {
        var problems = new List<string>();
        using var evtx = EvtxFile.Open(path);
        var records = evtx.ReadRecords(p => problems.Add(p.ToString()), new EvtxReadOptions { WindowsEvents = true, Threads = threads }).ToList();
        return (records, problems);
    }

    private static string? Difference(WindowsEvent? expected, WindowsEvent? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"expected {(expected is null ? "no event" : "an event")}, got {(actual is null ? "none" : "one")}";
        }

        (string Name, string? Expected, string? Actual)[] fields =
        [
            ("Provider", expected.Provider, actual.Provider),
            ("ProviderGuid", expected.ProviderGuid, actual.ProviderGuid),
            ("EventSourceName", expected.EventSourceName, actual.EventSourceName),
            ("EventId", expected.EventId, actual.EventId),
            ("Qualifiers", expected.Qualifiers, actual.Qualifiers),
            ("Version", expected.Version, actual.Version),
            ("Level", expected.Level, actual.Level),
            ("Task", expected.Task, actual.Task),
            ("Opcode", expected.Opcode, actual.Opcode),
            ("Keywords", expected.Keywords, actual.Keywords),
            ("SystemTime", expected.SystemTime, actual.SystemTime),
            ("EventRecordId", expected.EventRecordId, actual.EventRecordId),
            ("ActivityId", expected.ActivityId, actual.ActivityId),
            ("RelatedActivityId", expected.RelatedActivityId, actual.RelatedActivityId),
            ("ProcessId", expected.ProcessId, actual.ProcessId),
            ("ThreadId", expected.ThreadId, actual.ThreadId),
            ("Channel", expected.Channel, actual.Channel),
            ("Computer", expected.Computer, actual.Computer),
            ("UserId", expected.UserId, actual.UserId),
            ("SystemXml", expected.SystemXml, actual.SystemXml),
            ("EventDataXml", expected.EventDataXml, actual.EventDataXml),
            ("Message", expected.Message, actual.Message),
        ];
        foreach (var (name, e, a) in fields)
        {
            if (!string.Equals(e, a, StringComparison.Ordinal))
            {
                return $"{name}: expected [{e}], got [{a}]";
            }
        }

        if (expected.Data.Count != actual.Data.Count)
        {
            return $"Data: expected {expected.Data.Count} items, got {actual.Data.Count}";
        }

        for (var i = 0; i < expected.Data.Count; i++)
        {
            if (!string.Equals(expected.Data[i].Key, actual.Data[i].Key, StringComparison.Ordinal)
                || !string.Equals(expected.Data[i].Value, actual.Data[i].Value, StringComparison.Ordinal))
            {
                return $"Data[{i}]: expected {expected.Data[i].Key}=[{expected.Data[i].Value}], got {actual.Data[i].Key}=[{actual.Data[i].Value}]";
            }
        }

        return null;
    }
}
