using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;
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
    private readonly ConcurrentDictionary<(DataModelDataset? Dataset, int Field), Lazy<Lexicon?>> _lexicons = new();

    public IReadOnlyList<Row> Events { get; } = events;

    public DataModelCatalog Catalog { get; } = catalog ?? DataModelCatalog.Cim;

    public bool AppliesFilters => true;

    /// <summary>
    /// Reads the events in range that pass the filter. When the search names keys of indexed
    /// fields (EventCode, source, ...), only the events holding one are read, through postings
    /// lists built on first use (as Splunk's index answers indexed fields), in input order.
    /// Otherwise, when it needs some text in a field's value (<c>process="*powershell*"</c>), only
    /// the events whose value contains it are read, found through the field's lexicon.
    /// </summary>
    public IEnumerable<Row> Scan(ScanRequest request)
    {
        if (Events.Count < 1024)
        {
            return MemoryEventSource.ScanList(Events, request);
        }

        if (request.RequiredKeys is not { Count: > 0 } keys)
        {
            return request.RequiredLiterals is { Count: > 0 } literals && Containing(null, Events, literals) is { } found
                ? MemoryEventSource.ScanList(new PositionView(Events, found), request)
                : MemoryEventSource.ScanList(Events, request);
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

    /// <summary>
    /// The positions, in input order, of the events with a value of one of the fields containing
    /// its text (ignoring case), or null when a field has no lexicon (too many distinct values).
    /// Each distinct value is tested once, however many events hold it.
    /// </summary>
    private int[]? Containing(DataModelDataset? dataset, IReadOnlyList<Row> rows, IReadOnlyList<(string Field, string Literal)> literals)
    {
        var hit = new ulong[(rows.Count + 63) >> 6];
        foreach (var group in literals.GroupBy(l => l.Field, StringComparer.Ordinal))
        {
            var id = FieldTable.Intern(group.Key);
            if (_lexicons.GetOrAdd((dataset, id), k => new Lazy<Lexicon?>(() => Lexicon.Build(rows, k.Field))).Value is not { } lexicon)
            {
                return null;
            }

            // The same comparison as the search's own matcher (WildcardPattern), so no match is lost.
            var texts = group.Select(l => l.Literal).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            for (var v = 0; v < lexicon.Values.Length; v++)
            {
                var value = lexicon.Values[v];
                foreach (var text in texts)
                {
                    if (value.Contains(text, StringComparison.OrdinalIgnoreCase))
                    {
                        Mark(hit, lexicon.Postings[v]);
                        break;
                    }
                }
            }

            Mark(hit, lexicon.Others);
        }

        var n = 0;
        foreach (var word in hit)
        {
            n += BitOperations.PopCount(word);
        }

        var positions = new int[n];
        n = 0;
        for (var w = 0; w < hit.Length; w++)
        {
            for (var word = hit[w]; word != 0; word &= word - 1)
            {
                positions[n++] = (w << 6) + BitOperations.TrailingZeroCount(word);
            }
        }

        return positions;
    }

    private static void Mark(ulong[] hit, int[] positions)
    {
        foreach (var p in positions)
        {
            hit[p >> 6] |= 1UL << p;
        }
    }

    /// <summary>
    /// A field's distinct values with the positions of the events holding each (every item of a
    /// multivalue), like the lexicon of Splunk's index; values that are not text (numbers set by a
    /// program, never read from a recording) are kept apart and always read.
    /// </summary>
    private sealed class Lexicon(string[] values, int[][] postings, int[] others)
    {
        public string[] Values { get; } = values;

        public int[][] Postings { get; } = postings;

        public int[] Others { get; } = others;

        /// <summary>The lexicon of a field, or null when it would not pay: most values distinct.</summary>
        public static Lexicon? Build(IReadOnlyList<Row> events, int field)
        {
            var byValue = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            var others = new List<int>();
            var holders = 0;
            for (var i = 0; i < events.Count; i++)
            {
                var v = events[i].Get(field);
                switch (v.Kind)
                {
                    case ValueKind.Null:
                        continue;
                    case ValueKind.String:
                        Add(byValue, v.RawString!, i);
                        break;
                    case ValueKind.Multi:
                        foreach (var item in v.Items)
                        {
                            Add(byValue, item, i);
                        }

                        break;
                    default:
                        others.Add(i);
                        break;
                }

                holders++;
            }

            // A lexicon of mostly distinct values (a record id, _raw) is as slow to search as the
            // events and costs memory per event: read the events instead.
            if (byValue.Count > 4096 && byValue.Count > holders / 4)
            {
                return null;
            }

            return new Lexicon([.. byValue.Keys], [.. byValue.Values.Select(l => l.ToArray())], [.. others]);
        }

        private static void Add(Dictionary<string, List<int>> byValue, string item, int position)
        {
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(byValue, item, out _);
            list ??= [];
            if (list.Count == 0 || list[^1] != position)
            {
                list.Add(position);
            }
        }
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

    /// <summary>
    /// The dataset's rows; when the request needs text in a field (tstats <c>where
    /// Processes.process_name IN (...)</c>), only the rows whose value contains it (a superset of
    /// the matches: the caller still applies its filter).
    /// </summary>
    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request)
    {
        var rows = RowsOf(dataset);
        if (rows.Count >= 1024 && request.RequiredLiterals is { Count: > 0 } literals && Containing(dataset, rows, literals) is { } found)
        {
            return new PositionView(rows, found);
        }

        return rows;
    }

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
