using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Detections.Store;

/// <summary>
/// One detection's view after the shared pass: the events its scans can match, and the data
/// model rows shared by every detection of the run. Either may be read back from disk at each
/// scan (see KeptRows), so they are enumerated, never indexed.
/// </summary>
internal sealed class ViewStore(IEnumerable<Row> events, IReadOnlyDictionary<DataModelDataset, IEnumerable<Row>> dataModelRows, DataModelCatalog catalog) : IStore
{
    public DataModelCatalog Catalog { get; } = catalog;

    public bool AppliesFilters => true;

    public IEnumerable<Row> Scan(ScanRequest request) => MemoryEventSource.ScanList(events, request);

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) =>
        dataModelRows.TryGetValue(dataset, out var rows) ? rows : [];
}
