using Escudo.Core.Events;
using Escudo.Ingest.Evtx;
using Escudo.Ingest.Windows;

namespace Escudo.Ingest.Sources;

/// <summary>EVTX files: each record rendered as Splunk's one-line XmlWinEventLog and mapped like any Windows event.</summary>
internal static class EvtxInput
{
    public static IEnumerable<Row> Read(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems)
    {
        using var file = EvtxFile.Open(stream, name);

        // The Windows fields come from the same walk that renders _raw, and the mapping runs on
        // the decoding threads, so with several cores whole chunks are decoded and mapped at once.
        var read = new EvtxReadOptions { WindowsEvents = true, Threads = options.Threads ?? EvtxReadOptions.DefaultThreads };
        foreach (var row in file.Read(problems, read, (record, report) => ToRow(record, name, options, report)))
        {
            yield return row;
        }
    }

    private static Row? ToRow(EvtxRecord record, string name, EventReadOptions options, Action<IngestProblem> report)
    {
        var ev = record.Event;
        if (ev?.EventId is null)
        {
            report(new IngestProblem(name, record.FileOffset, "EVTX record", $"record {record.RecordId} has no EventID; skipped"));
            return null;
        }

        return WindowsEventMapper.ToRow(ev, record.Xml, options.Source, options.SourceType, options.Host, options.Index);
    }
}
