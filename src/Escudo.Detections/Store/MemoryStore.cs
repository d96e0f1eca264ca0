using System.Collections.Concurrent;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Spl.Execution;

namespace Escudo.Detections.Store;

/// <summary>
/// Events held in memory with their data model rows, computed once per dataset on first use and
/// shared by every search that reads them (Escudo's stand-in for an accelerated summary).
/// </summary>
public sealed class MemoryStore(IReadOnlyList<Row> events, DataModelCatalog? catalog = null) : IStore
{
    private readonly ConcurrentDictionary<DataModelDataset, Lazy<List<Row>>> _dataModelRows = new();
    private readonly Lazy<Dictionary<string, List<int>>> _postings = new(() => BuildPostings(events));

    public IReadOnlyList<Row> Events { get; } = events;

    public DataModelCatalog Catalog { get; } = catalog ?? DataModelCatalog.Cim;

    public bool AppliesFilters => true;

    /// <summary>
    /// Reads the events in range that pass the filter. When the search names keys of indexed
    /// fields (EventCode, source, ...), only the events holding one are read, through postings
    /// lists built on first use (as Splunk's index answers indexed fields), in input order.
    /// </summary>
    public IEnumerable<Row> Scan(ScanRequest request)
    {
        if (request.RequiredKeys is not { Count: > 0 } keys || Events.Count < 1024)
        {
            return MemoryEventSource.ScanList(Events, request);
        }

        var postings = _postings.Value;
        List<int>? single = null;
        var lists = 0;
        var total = 0;
        foreach (var k in keys)
        {
            if (postings.TryGetValue(k, out var list))
            {
                single = list;
                lists++;
                total += list.Count;
            }
        }

        if (lists == 0)
        {
            return [];
        }

        IReadOnlyList<int> positions = single!;
        if (lists > 1)
        {
            // Several keys (an IN list, an OR): their events once each, in input order.
            var merged = new int[total];
            var n = 0;
            foreach (var k in keys)
            {
                if (postings.TryGetValue(k, out var list))
                {
                    list.CopyTo(merged, n);
                    n += list.Count;
                }
            }

            Array.Sort(merged);
            var unique = 0;
            for (var i = 0; i < merged.Length; i++)
            {
                if (i == 0 || merged[i] != merged[i - 1])
                {
                    merged[unique++] = merged[i];
                }
            }

            positions = new ArraySegment<int>(merged, 0, unique);
        }

        return MemoryEventSource.ScanList(new PositionView(Events, positions), request);
    }

    /// <summary>Builds the postings lists now (they are otherwise built by the first indexed scan); the number of keys.</summary>
    public int BuildIndex() => _postings.Value.Count;

    private static Dictionary<string, List<int>> BuildPostings(IReadOnlyList<Row> events)
    {
        var postings = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var keys = new List<string>();
        for (var i = 0; i < events.Count; i++)
        {
            ScanKeys.EventKeys(events[i], keys);
            foreach (var k in keys)
            {
                if (!postings.TryGetValue(k, out var list))
                {
                    postings[k] = list = [];
                }

                if (list.Count == 0 || list[^1] != i)
                {
                    list.Add(i);
                }
            }
        }

        return postings;
    }

    /// <summary>The events at some positions, as a list.</summary>
    private sealed class PositionView(IReadOnlyList<Row> events, IReadOnlyList<int> positions) : IReadOnlyList<Row>
    {
        public Row this[int index] => events[positions[index]];

        public int Count => positions.Count;

        public IEnumerator<Row> GetEnumerator()
        {
            for (var i = 0; i < positions.Count; i++)
            {
                yield return events[positions[i]];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

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
