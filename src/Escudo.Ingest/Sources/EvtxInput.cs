using Escudo.Core.Events;

namespace Escudo.Ingest.Sources;

/// <summary>EVTX files: records rendered to XmlWinEventLog and mapped like any Windows event.</summary>
internal static class EvtxInput
{
    public static IEnumerable<Row> Read(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems)
    {
        problems?.Invoke(new IngestProblem(name, 0, "EVTX", "the EVTX reader is not built in yet"));
        yield break;
    }
}
