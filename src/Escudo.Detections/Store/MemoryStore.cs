using System.Collections.Concurrent;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Detections.Store;

/// <summary>
/// Events held in memory with their data model rows, computed once per dataset on first use and
/// shared by every search that reads them (Escudo's stand-in for an accelerated summary).
/// </summary>
public sealed class MemoryStore(IReadOnlyList<Row> events, DataModelCatalog? catalog = null) : IStore
{
    private readonly ConcurrentDictionary<DataModelDataset, Lazy<List<Row>>> _dataModelRows = new();

    public IReadOnlyList<Row> Events { get; } = events;

    public DataModelCatalog Catalog { get; } = catalog ?? DataModelCatalog.Cim;

    public bool AppliesFilters => true;

    public IEnumerable<Row> Scan(ScanRequest request) => MemoryEventSource.ScanList(Events, request);

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) =>
        _dataModelRows.GetOrAdd(dataset, ds => new Lazy<List<Row>>(() => Build(ds))).Value;

    public IReadOnlyList<Row> RowsOf(DataModelDataset dataset) =>
        _dataModelRows.GetOrAdd(dataset, ds => new Lazy<List<Row>>(() => Build(ds))).Value;

    private List<Row> Build(DataModelDataset ds)
    {
        var rows = new List<Row>();
        foreach (var e in Events)
        {
            if (DataModelMapper.Matches(ds, e))
            {
                rows.Add(DataModelMapper.Project(ds, e));
            }
        }

        return rows;
    }
}
