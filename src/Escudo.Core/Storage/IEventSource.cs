using Escudo.Core.Events;

namespace Escudo.Core.Storage;

/// <summary>
/// The events a search reads. In memory for the CLI, an embedded database for the server, a
/// cluster later: the planner only talks to this interface.
/// </summary>
public interface IEventSource
{
    /// <summary>True when <see cref="Scan"/> already applied the request's filter and time range.</summary>
    bool AppliesFilters { get; }

    IEnumerable<Row> Scan(ScanRequest request);
}
