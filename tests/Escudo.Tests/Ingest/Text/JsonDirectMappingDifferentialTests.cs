using System.IO.Compression;
using System.Text;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Detections.Output;
using Escudo.Ingest.Json;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Text;

/// <summary>
/// A Windows event read from JSON is rendered as XmlWinEventLog for <c>_raw</c>, and its fields are
/// what parsing that XML back gives. <see cref="RenderedWindowsEvent"/> builds that parse's result
/// without parsing; the plain path (<see cref="JsonEventReader.FromWindowsEventByParsing"/>) still
/// parses. Every line of every zipped recording in the shared datasets, and hostile events made
/// here, must give the same event, the same row (every field, value and order) and the same CIM
/// data model rows both ways.
/// </summary>
public class JsonDirectMappingDifferentialTests
{
    [Fact]
    public void EveryZippedRecordingLineMapsAsTheParsedXmlDoes()
    {
        var datasets = SharedData.Require("datasets");
        var files = Directory.EnumerateFiles(datasets, "*.zip", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        var cim = DataModelCatalog.Cim.Datasets.ToList();
        long lines = 0;
        long direct = 0;
        long cimRows = 0;
        foreach (var file in files)
        {
            using var zip = ZipFile.OpenRead(file);
            foreach (var entry in zip.Entries.Where(e => e.Length > 0))
            {
                using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                while (reader.ReadLine() is { } line)
                {
                    lines++;
                    if (JsonEventReader.FlatWindowsEvent(line) is not { } w)
                    {
                        continue;
                    }

                    var where = $"{file}!{entry.FullName} line {lines}";
                    direct += CompareEvents(w, where) ? 1 : 0;
                    cimRows += CompareRows(w, cim, where);
                }
            }
        }

        // Nearly every recorded line must have been built without the parse, or this test compared
        // the parse with itself.
        Assert.True(lines > 100_000, $"{lines} lines read");
        Assert.True(direct > lines * 9 / 10, $"{direct} of {lines} lines were built without the parse");
        Assert.True(cimRows > 10_000, $"{cimRows} CIM rows compared");
    }

    [Fact]
    public void HostileValuesMapAsTheParsedXmlDoes()
    {
        // Values that hold the markup and attribute syntax the XML parser looks for.
        string?[] pieces =
        [
            null, string.Empty, "x", " ", "a=b", "Name='x'", " Guid='g'", " Guid=\"g\"", "Guid", " ThreadID='7'", " RelatedActivityID='r'",
            "EventSourceName='e'", "</Data>", "<Data Name='x'>y</Data>", "</EventData>", "<Message>m</Message>", "</System>", "<System>",
            "'", "\"", "&", "&amp;", "&lt;", "<", ">", "/", "x/", "/>", "<x/>", "a\r\nb", "\t", "\0", "é😀", "<Event", "]]>", "<![CDATA[x]]>",
            "2020-07-22T03:27:42.1230000Z", "0x8020000000000000", "4688", "Security", "<UserData><a>1</a></UserData>",
        ];
        var random = new Random(20);

        // Half the events take no '=' in any value: those are built directly, the others mostly parsed.
        string?[] withoutEquals = [.. pieces.Where(p => p?.Contains('=', StringComparison.Ordinal) != true)];
        var from = pieces;
        string? Pick() => from[random.Next(from.Length)] is { } p && random.Next(3) == 0 ? p + from[random.Next(from.Length)] : from[random.Next(from.Length)];
        var cim = DataModelCatalog.Cim.Datasets.ToList();
        var direct = 0;
        const int Events = 3_000;
        for (var i = 0; i < Events; i++)
        {
            from = i % 2 == 0 ? withoutEquals : pieces;
            var w = new WindowsEvent
            {
                EventId = Pick() ?? "1",
                Channel = Pick() ?? "Security",
                Provider = Pick(),
                ProviderGuid = Pick(),
                Computer = Pick(),
                EventRecordId = Pick(),
                ProcessId = Pick(),
                ThreadId = Pick(),
                Version = Pick(),
                Level = Pick(),
                Task = Pick(),
                Opcode = Pick(),
                Keywords = Pick(),
                UserId = Pick(),
                ActivityId = Pick(),
                RelatedActivityId = Pick(),
                SystemTime = random.Next(2) == 0 ? "2020-07-22T03:27:42.1230000Z" : Pick(),
            };
            for (var d = random.Next(6); d > 0; d--)
            {
                w.Data.Add(new(Pick(), Pick() ?? string.Empty));
            }

            direct += CompareEvents(w, $"hostile event {i}") ? 1 : 0;
            CompareRows(w, cim, $"hostile event {i}");
        }

        // Values holding '=' in an attribute take the parse; most events must not.
        Assert.True(direct > Events / 2, $"{direct} of {Events} events were built without the parse");
    }

    /// <summary>Compares the event built directly with the parsed one; true when it was built directly.</summary>
    private static bool CompareEvents(WindowsEvent w, string where)
    {
        var xml = JsonEventReader.RenderXml(w, out var eventDataStart);
        var parsed = WindowsXmlParser.Parse(xml);
        Assert.NotNull(parsed);
        if (RenderedWindowsEvent.From(w, xml, eventDataStart) is not { } built)
        {
            return false;
        }

        Assert.True(Describe(parsed) == Describe(built), $"{where}:\n parsed {Describe(parsed)}\n built  {Describe(built)}");
        return true;
    }

    /// <summary>Compares the rows and CIM rows of both paths; the number of CIM rows compared.</summary>
    private static int CompareRows(WindowsEvent w, List<DataModelDataset> cim, string where)
    {
        var options = EventReadOptions.Default;
        var plain = JsonEventReader.FromWindowsEventByParsing(w, options);
        var fast = JsonEventReader.FromWindowsEvent(w, options);
        Assert.True(ResultJson.ToJsonLine(plain) == ResultJson.ToJsonLine(fast), $"{where}: rows differ\n plain {ResultJson.ToJsonLine(plain)}\n fast  {ResultJson.ToJsonLine(fast)}");
        var compared = 0;
        foreach (var ds in cim)
        {
            var inPlain = DataModelMapper.Matches(ds, plain);
            Assert.True(inPlain == DataModelMapper.Matches(ds, fast), $"{where}: {ds.FullName} matches one way only");
            if (inPlain)
            {
                Assert.Equal(ResultJson.ToJsonLine(DataModelMapper.Project(ds, plain)), ResultJson.ToJsonLine(DataModelMapper.Project(ds, fast)));
                compared++;
            }
        }

        return compared;
    }

    /// <summary>Every property of the event, a missing one written as (null) so that null and empty differ.</summary>
    private static string Describe(WindowsEvent e) => string.Join(
        " | ",
        new[]
        {
            e.Provider, e.ProviderGuid, e.EventSourceName, e.EventId, e.Qualifiers, e.Version, e.Level, e.Task, e.Opcode, e.Keywords,
            e.SystemTime, e.EventRecordId, e.ActivityId, e.RelatedActivityId, e.ProcessId, e.ThreadId, e.Channel, e.Computer, e.UserId,
            e.SystemXml, e.EventDataXml, e.Message,
        }.Select(v => v is null ? "(null)" : $"[{v}]").Concat(e.Data.Select(d => $"[{d.Key ?? "(null)"}]=[{d.Value}]")))
        .Replace("\0", "\\0", StringComparison.Ordinal);
}
