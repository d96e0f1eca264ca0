using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// A store as the ESCU differential test hands it to 1,500 detections: every scan is answered by
/// the store under test through its own <c>Scan</c> (the query it sends for that scan's time range
/// and pushdown); a query several detections send alike is sent once while the answers kept stay
/// under a row budget (the queries the 1,555 supported detections send are 708 scans, 602 distinct,
/// on the cluster), and each detection gets copies of the rows. A data model's rows over all
/// time are read once per dataset (on ClickHouse from its data-model rows filled at ingest; on the
/// embedded store mapped from one full scan, as <see cref="SearchStore"/> maps them on every
/// <c>tstats</c>) and handed out as copies.
/// </summary>
/// <param name="query">The query the store sends for a scan, as a key (null: the scan cannot match anything).</param>
internal sealed class SharedScanStore(IServeStore store, Func<ScanRequest, Pushdown, string?> query) : IStore
{
    /// <summary>Rows kept over all shared answers (each event a few kilobytes decoded): past it, a query is sent again for each scan.</summary>
    private const long RowBudget = 100_000;

    private readonly SearchStore _search = new(store, CancellationToken.None);
    private readonly Lazy<List<Row>> _all = new(() => [.. store.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None)]);
    private readonly ConcurrentDictionary<string, List<Row>> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<List<Row>>> _models = new(StringComparer.Ordinal);
    private long _kept;
    private int _sent;

    /// <summary>The embedded store: its query is the time range, the column equalities, the required literals, the keyed field equalities and the fields asked for (see <see cref="DuckDbStore.Scan(ScanRequest, Pushdown, CancellationToken)"/>).</summary>
    public static SharedScanStore Of(DuckDbStore store) => new(store, (request, pushdown) =>
    {
        if (pushdown.Equalities.Values.Any(v => v.Count == 0))
        {
            return null;
        }

        var key = new StringBuilder().Append(request.Time.Earliest?.ToString("R", CultureInfo.InvariantCulture)).Append('|').Append(request.Time.Latest?.ToString("R", CultureInfo.InvariantCulture));
        foreach (var (field, values) in pushdown.Equalities.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            key.Append('|').Append(field).Append('=').AppendJoin('\u0001', values);
        }

        foreach (var (field, literal) in request.RequiredLiterals ?? [])
        {
            key.Append("|~").Append(field).Append('\u0001').Append(literal);
        }

        // The embedded store also narrows by the condition's keyed field equalities (FieldKeys): two scans share an answer only with the same ones.
        key.Append("|keys=").Append(FieldKeys.Clause(request.Condition, v => "'" + v + "'"));

        // The embedded store decodes only the fields the search reads (ScanRequest.Fields), so an
        // answer can be shared only between scans that ask for the same fields.
        key.Append("|fields=");
        if (request.Fields is null)
        {
            key.Append('*');
        }
        else
        {
            key.AppendJoin('\u0001', request.Fields.Order(StringComparer.Ordinal));
        }

        return key.ToString();
    });

    /// <summary>The cluster: its query is the WHERE clause (the PREWHERE is made from the same arguments).</summary>
    public static SharedScanStore Of(ClickHouseStore store) =>
        new(store, (request, pushdown) => ClickHouseSql.Where(request.Time, pushdown, request.Condition));

    public DataModelCatalog Catalog => store.Catalog;

    public bool AppliesFilters => false;

    /// <summary>Event queries sent to the store.</summary>
    public int Sent => _sent;

    /// <summary>Distinct event queries asked for.</summary>
    public int Distinct => _seen.Count;

    public IEnumerable<Row> Scan(ScanRequest request)
    {
        var pushdown = PushdownAnalyzer.FromCondition(request.Condition);
        if (query(request, pushdown) is not { } key)
        {
            return []; // contradictory constraints, as the store's own scan answers them
        }

        _seen.TryAdd(key, 0);
        if (_answers.TryGetValue(key, out var kept))
        {
            return kept.Select(r => r.Clone());
        }

        var rows = Send(request, pushdown);
        if (Interlocked.Add(ref _kept, rows.Count) <= RowBudget && _answers.TryAdd(key, rows))
        {
            return rows.Select(r => r.Clone()); // the kept rows stay as the store gave them
        }

        Interlocked.Add(ref _kept, -rows.Count); // over the budget: the store answers this query again next time
        return rows;
    }

    private List<Row> Send(ScanRequest request, Pushdown pushdown)
    {
        Interlocked.Increment(ref _sent);
        return [.. store.Scan(request, pushdown, CancellationToken.None)];
    }

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) =>
        !request.Time.IsAll ? _search.Rows(dataset, request)
            : _models.GetOrAdd(dataset.FullName, _ => new Lazy<List<Row>>(() => store is IDataModelRowStore
                    ? [.. _search.Rows(dataset, ScanRequest.All)] // the data-model rows the cluster filled at ingest
                    : [.. _all.Value.Where(e => DataModelMapper.Matches(dataset, e)).Select(e => DataModelMapper.Project(dataset, e))]))
                .Value.Select(r => r.Clone());
}
