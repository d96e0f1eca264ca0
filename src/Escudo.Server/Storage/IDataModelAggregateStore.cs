using Escudo.Core.DataModels;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// A serve store that aggregates its data-model rows itself (<see cref="IAggregateSource"/>, with
/// the search's cancellation): a <c>tstats</c> reads one row per group. Null is a refusal, the
/// engine then aggregates the rows itself.
/// </summary>
internal interface IDataModelAggregateStore
{
    IReadOnlyList<AggregateGroup>? Aggregate(DataModelDataset dataset, AggregateRequest request, CancellationToken cancellation);
}
