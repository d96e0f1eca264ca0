using Escudo.Core.Events;

namespace Escudo.Core.Storage;

/// <summary>
/// An event source whose scan is costly to repeat (its events are read back from disk each time):
/// it answers several requests in one read, so a search that scans once per input row (map) reads
/// the events once for all its rows.
/// </summary>
public interface IMultiScanSource : IEventSource
{
    /// <summary>
    /// Each request's rows, in the order <see cref="IEventSource.Scan"/> gives them, with its
    /// filter and time range applied, from one read of the events; null as soon as they would be
    /// more than <paramref name="maxRows"/> in all (the caller then scans one request at a time).
    /// </summary>
    IReadOnlyList<List<Row>>? ScanEach(IReadOnlyList<ScanRequest> requests, long maxRows);
}
