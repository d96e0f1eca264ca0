using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// A serve store that runs a search's leading stats itself (<see cref="IEventAggregateSource"/>,
/// with the search's cancellation). Null is a refusal: the engine then scans and aggregates.
/// </summary>
internal interface IEventAggregateStore
{
    IReadOnlyList<AggregateGroup>? AggregateEvents(AggregateRequest request, CancellationToken cancellation);
}
