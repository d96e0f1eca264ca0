using Escudo.Core.DataModels;

namespace Escudo.Core.Storage;

/// <summary>
/// A data-model source that can aggregate a dataset's rows itself (in the database), so a
/// <c>tstats</c> reads one row per group instead of every row. The store takes the whole request
/// or refuses it: it answers only when its answer is exactly the engine's (the same groups, values
/// and evidence); null means refused, and the engine aggregates the rows itself.
/// </summary>
public interface IAggregateSource
{
    /// <summary>The groups of the dataset's rows that pass the request, in any order; null when refused.</summary>
    IReadOnlyList<AggregateGroup>? Aggregate(DataModelDataset dataset, AggregateRequest request);
}
