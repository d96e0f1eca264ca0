using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// One search's view of the persistent store: carries the pushdown found in the search's text
/// (set after compiling, before running) and the search's cancellation (its time limit).
/// </summary>
internal sealed class SearchStore(IServeStore inner, CancellationToken cancellation) : IStore
{
    public Pushdown Hints { get; set; } = Pushdown.None;

    public DataModelCatalog Catalog => inner.Catalog;

    public bool AppliesFilters => false;

    public IEnumerable<Row> Scan(ScanRequest request) =>
        inner.Scan(request, request.PushdownText is { } text ? PushdownAnalyzer.FromFilterText(text) : Hints, cancellation);

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request)
    {
        foreach (var e in inner.Scan(new ScanRequest(request.Time), Pushdown.None, cancellation))
        {
            if (DataModelMapper.Matches(dataset, e))
            {
                yield return DataModelMapper.Project(dataset, e);
            }
        }
    }
}
