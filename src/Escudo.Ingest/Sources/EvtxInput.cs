using Escudo.Core.Events;
using Escudo.Ingest.Evtx;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;

namespace Escudo.Ingest.Sources;

/// <summary>EVTX files: each record rendered as Splunk's one-line XmlWinEventLog and mapped like any Windows event.</summary>
internal static class EvtxInput
{
    public static IEnumerable<Row> Read(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems)
    {
        using var file = EvtxFile.Open(stream, name);
        foreach (var record in file.ReadRecords(problems))
        {
            var xml = record.Xml;
            var ev = WindowsXmlParser.Parse(xml);
            if (ev?.EventId is null)
            {
                problems?.Invoke(new IngestProblem(name, record.FileOffset, "EVTX record", $"record {record.RecordId} has no EventID; skipped"));
                continue;
            }

            yield return WindowsEventMapper.ToRow(ev, xml, options.Source, options.SourceType, options.Host, options.Index);
        }
    }
}
