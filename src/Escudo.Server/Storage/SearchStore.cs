using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// One search's view of the persistent store: each scan's pushdown comes from the condition the
/// planner built from the parsed search; carries the search's cancellation (its time limit) and
/// where the store's warnings about the answer go (a shard that did not answer), when the search has
/// a place to show them.
/// </summary>
internal sealed class SearchStore(IServeStore inner, CancellationToken cancellation, Action<string>? warn = null) : IStore, IAggregateSource, IEventAggregateSource
{
    public DataModelCatalog Catalog => inner.Catalog;

    public bool AppliesFilters => false;

    public IEnumerable<Row> Scan(ScanRequest request) =>
        inner.Scan(request, PushdownAnalyzer.FromCondition(request.Condition), cancellation, warn);

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) =>
        inner is IDataModelRowStore accelerated ? accelerated.Rows(dataset, request, cancellation) : Mapped(dataset, request);

    /// <summary>The store's own aggregate of a dataset's rows, when it has one and takes the request; null otherwise.</summary>
    public IReadOnlyList<AggregateGroup>? Aggregate(DataModelDataset dataset, AggregateRequest request) =>
        inner is IDataModelAggregateStore aggregating ? aggregating.Aggregate(dataset, request, cancellation) : null;

    /// <summary>The store's own aggregate of a search's leading stats, when it has one and takes the request; null otherwise.</summary>
    public IReadOnlyList<AggregateGroup>? AggregateEvents(AggregateRequest request) =>
        inner is IEventAggregateStore aggregating ? aggregating.AggregateEvents(request, cancellation) : null;

    private IEnumerable<Row> Mapped(DataModelDataset dataset, ScanRequest request)
    {
        foreach (var e in inner.Scan(new ScanRequest(request.Time), Pushdown.None, cancellation, warn))
        {
            if (DataModelMapper.Matches(dataset, e))
            {
                yield return DataModelMapper.Project(dataset, e);
            }
        }
    }
}
