using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Detections.Store;

/// <summary>
/// One detection's view after the shared pass: the events its scans can match, and the data
/// model rows shared by every detection of the run.
/// </summary>
public sealed class ViewStore(IReadOnlyList<Row> events, IReadOnlyDictionary<DataModelDataset, List<Row>> dataModelRows, DataModelCatalog catalog) : IStore
{
    public DataModelCatalog Catalog { get; } = catalog;

    public bool AppliesFilters => true;

    public IEnumerable<Row> Scan(ScanRequest request) => MemoryEventSource.ScanList(events, request);

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) =>
        dataModelRows.TryGetValue(dataset, out var rows) ? rows : [];
}
