using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Detections.Store;

/// <summary>
/// One detection's view after the shared pass: the events its scans can match, and the data
/// model rows shared by every detection of the run. Either may be read back from disk at each
/// scan (see KeptRows), so they are enumerated, never indexed; several scans at once (map's, one
/// per row) are answered from one read.
/// </summary>
internal sealed class ViewStore(IEnumerable<Row> events, IReadOnlyDictionary<DataModelDataset, IEnumerable<Row>> dataModelRows, DataModelCatalog catalog) : IStore, IMultiScanSource
{
    public DataModelCatalog Catalog { get; } = catalog;

    public bool AppliesFilters => true;

    public IEnumerable<Row> Scan(ScanRequest request) => MemoryEventSource.ScanList(events, request);

    public IReadOnlyList<List<Row>>? ScanEach(IReadOnlyList<ScanRequest> requests, long maxRows)
    {
        var found = requests.Select(_ => new List<Row>()).ToArray();
        long held = 0;
        foreach (var e in events)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                var request = requests[i];
                if ((request.Time.IsAll || request.Time.Contains(e.Time)) && (request.Filter is null || request.Filter(e)))
                {
                    if (++held > maxRows)
                    {
                        return null;
                    }

                    found[i].Add(e);
                }
            }
        }

        return found;
    }

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) =>
        dataModelRows.TryGetValue(dataset, out var rows) ? rows : [];
}
