using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Events, notables, risk events and the scheduler's ledger in a ClickHouse server or cluster,
/// behind the same <see cref="IServeStore"/> as the embedded store. A commit is acknowledged only
/// when ClickHouse accepted every row: inserts go through the Distributed table synchronously
/// (<c>insert_distributed_sync=1</c>), so a shard that is down fails the insert instead of
/// queueing it on this node. Every row carries its batch id and position; a failed or unanswered
/// insert is retried with only the positions ClickHouse does not hold, so a resend after a lost
/// answer stores nothing twice. Rows come back in commit order (<c>ingest, seq</c>), as the
/// embedded store returns them in insertion order.
/// </summary>
public sealed partial class ClickHouseStore : IServeStore, IDataModelRowStore
{
    private static readonly Dictionary<string, string> SyncInsert = new() { ["insert_distributed_sync"] = "1" };
    private readonly List<ClickHouseNode> _nodes = [];
    private readonly string? _cluster;
    private readonly Lock _writeLock = new();
    private readonly ClickHouseShardedInsert _inserter;
    private readonly ClickHouseDataModelRows _models;

    /// <summary>The cluster's shards by their TCP address (as ClickHouse names a peer in its errors): shard number.</summary>
    private readonly Dictionary<string, int> _shardByAddress = new(StringComparer.Ordinal);
    private long _lastIngest;

    /// <summary>Connects, checks the cluster against the addresses given, and creates or migrates the schema on every shard.</summary>
    public ClickHouseStore(ClickHouseLocation location, string? user, string? password, TimeSpan? timeout = null)
    {
        Location = location;
        _cluster = location.Cluster;
        foreach (var host in location.Hosts)
        {
            _nodes.Add(new ClickHouseNode(host, location.Database, user, password, timeout ?? TimeSpan.FromMinutes(5)));
        }

        _models = new ClickHouseDataModelRows(Catalog);
        _inserter = new ClickHouseShardedInsert(_nodes, new ClickHouseEventRows(_models));

        try
        {
            Version = _nodes[0].Execute("SELECT version()", inDatabase: false);
            if (_cluster is not null)
            {
                var shards = _nodes[0].Execute($"SELECT count(DISTINCT shard_num) FROM system.clusters WHERE cluster = {Sql.Literal(_cluster)}", inDatabase: false);
                if (shards != _nodes.Count.ToString(CultureInfo.InvariantCulture))
                {
                    throw new ClickHouseException(
                        $"cluster '{_cluster}' has {(shards == "0" ? "no entry in remote_servers" : shards + " shards")} on {_nodes[0].Address}, but the store address lists {_nodes.Count} "
                        + "host(s): list every shard's HTTP address, comma-separated (clickhouse://H1:8123,H2:8123/DB?cluster=NAME), so Escudo can create each shard's tables",
                        _nodes[0].Address);
                }
            }

            foreach (var node in _nodes)
            {
                ClickHouseSchema.Migrate(node, location.Database, _cluster, version => AfterMigration(node, version));
            }

            if (_cluster is not null)
            {
                foreach (var line in _nodes[0].Execute($"SELECT shard_num, host_address, port FROM system.clusters WHERE cluster = {Sql.Literal(_cluster)} FORMAT TabSeparated", inDatabase: false).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var f = line.Split('\t');
                    _shardByAddress[f[1] + ":" + f[2]] = int.Parse(f[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ClickHouseLocation Location { get; }

    /// <summary>One connection per address of the store (each shard on a cluster), the first the one reads and writes go through.</summary>
    internal IReadOnlyList<ClickHouseNode> Nodes => _nodes;

    /// <summary>The cluster's name; null on one server.</summary>
    internal string? Cluster => _cluster;

    /// <summary>The first server's <c>SELECT version()</c>; anything newer than 18.16 must be gated on it.</summary>
    public string Version { get; }

    public DataModelCatalog Catalog { get; } = DataModelCatalog.Cim;

    public override string ToString() => Location.ToString();

    /// <summary>The engine re-applies the full filter: pushdown is a superset.</summary>
    public bool AppliesFilters => false;

    private string Events => _cluster is null ? "events" : "events_all";

    private string RunsTable => _cluster is null ? "runs" : "runs_all";

    public IEnumerable<Row> Scan(ScanRequest request) =>
        Scan(request, PushdownAnalyzer.FromCondition(request.Condition), CancellationToken.None);

    public IEnumerable<Row> Scan(ScanRequest request, Pushdown pushdown, CancellationToken cancellation)
    {
        if (ClickHouseSql.Where(request.Time, pushdown, request.Condition) is not { } where)
        {
            yield break; // contradictory constraints: nothing can match
        }

        var prewhere = ClickHouseSql.Prewhere(request.Time, pushdown, request.Condition);
        using var response = QueryAnyNode($"SELECT {StoredColumns} FROM {Events} PREWHERE {prewhere} WHERE {where} ORDER BY ingest, seq FORMAT RowBinary");
        foreach (var row in ReadStored(response, cancellation))
        {
            yield return row;
        }
    }

    /// <summary>The end of the answer; a connection lost mid-answer is the store failing, never a short result.</summary>
    private bool ReadEnd(RowBinaryReader reader)
    {
        try
        {
            return reader.AtEnd();
        }
        catch (Exception e) when (e is IOException and not ClickHouseException or HttpRequestException)
        {
            throw new ClickHouseException($"the answer of ClickHouse at {_nodes[0].Address} broke off: {e.Message}", _nodes[0].Address, inner: e);
        }
    }

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) => Rows(dataset, request, CancellationToken.None);

    /// <summary>The dataset's rows in the time range, from the data-model rows filled at ingest (no event is scanned or mapped).</summary>
    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request, CancellationToken cancellation)
    {
        if (ClickHouseSql.Where(request.Time, Pushdown.None) is not { } where)
        {
            yield break;
        }

        using var response = QueryAnyNode(ClickHouseDataModelRows.Select(Table("dm_rows"), dataset, where));
        foreach (var row in ReadRows(response, ReadDataModelRow, cancellation))
        {
            yield return row;
        }
    }

    /// <summary>
    /// One data-model row of <c>dm_rows</c>, carrying the reference of the event it stands for (the
    /// same row id, source, host and channel a scan gives that event), so a <c>tstats</c> notable
    /// names its events as one over a raw search does.
    /// </summary>
    private static Row ReadDataModelRow(RowBinaryReader reader, StoreOrigins origins)
    {
        var row = RowCodec.Decode(reader.String(), null);
        var rowId = (long)reader.UInt64();
        var source = reader.String();
        var host = reader.String();
        var channel = reader.String();
        row.Ref = new EventRef(origins.Of(source, host.Length == 0 ? null : host, channel.Length == 0 ? null : channel), rowId, row.Time);
        return row;
    }

    /// <summary>A node that had events before data-model tables existed has them mapped now (from an empty table: a backfill cut short starts over).</summary>
    private void AfterMigration(ClickHouseNode node, int version)
    {
        if (version is ClickHouseEventsOrder.Version or ClickHouseEventsOrder.GranularityVersion)
        {
            ClickHouseEventsOrder.Migrate(node, Location.Database, _cluster);
        }

        if (version == ClickHouseSchema.DataModelRowsVersion && node.Execute("SELECT count() FROM events") != "0")
        {
            node.Execute("TRUNCATE TABLE dm_rows");
            _models.Backfill(node);
        }
    }

    /// <summary>
    /// Writes events, then run records. Events ingested through HEC form one batch with a fresh id;
    /// the notables and risk events of a scheduled window form a batch whose id comes from the
    /// window (search name and scheduled time), so a window committed by an attempt whose answer
    /// was lost, and run again, is not written twice.
    /// </summary>
    public void Commit(IReadOnlyList<Row> events, IReadOnlyList<RunRecord> runs)
    {
        lock (_writeLock)
        {
            var ingest = NextIngest();
            var fresh = new List<Row>();
            var windows = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
            var requests = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
            foreach (var row in events)
            {
                if (WindowKey(row) is { } key)
                {
                    (windows.TryGetValue(key, out var list) ? list : windows[key] = []).Add(row);
                }
                else if (ResendKeys.Of(row) is { } request)
                {
                    (requests.TryGetValue(request, out var list) ? list : requests[request] = []).Add(row);
                }
                else
                {
                    fresh.Add(row);
                }
            }

            if (fresh.Count > 0)
            {
                WriteBatch("h" + Guid.NewGuid().ToString("N"), fresh, ingest, knownNew: true);
            }

            foreach (var (key, rows) in windows)
            {
                WriteBatch(key, rows, ingest, knownNew: false);
            }

            foreach (var (key, rows) in requests)
            {
                WriteRequest(key, rows, ingest);
            }

            if (runs.Count > 0)
            {
                InsertWithRetry($"INSERT INTO {RunsTable} FORMAT RowBinary", EncodeRuns(runs), null);
            }
        }
    }

    /// <summary>
    /// Writes the rows of a HEC request on an acknowledgement channel under the request's key. A
    /// marker in <c>batches</c> goes first: when a request comes again (the client got no answer),
    /// the marker says an attempt began, and only the positions ClickHouse does not hold are sent
    /// (a lookup over the batch column, paid only on such a resend). Without a marker the request
    /// is new and is written at once; a failed attempt's rows are kept, for the resend to complete.
    /// </summary>
    private void WriteRequest(string key, List<Row> rows, ulong ingest)
    {
        var seen = QueryText($"SELECT count() FROM {Table("batches")} WHERE batch = {Sql.Literal(key)}") != "0";
        if (!seen)
        {
            var w = new RowBinaryWriter();
            w.String(key);
            w.UInt64(ingest);
            InsertRows("batches", w.ToArray());
        }

        WriteBatch(key, rows, ingest, knownNew: !seen, removeOnFailure: false);
    }

    /// <summary>A batch id for a scheduled window's notable or risk rows; null for any other event.</summary>
    private static string? WindowKey(Row row)
    {
        var index = row.Get(FieldTable.Index).FirstString();
        var scheduled = row.Get("orig_scheduled");
        if (index is not ("notable" or "risk") || scheduled.IsNull)
        {
            return null;
        }

        var text = index + "\n" + row.Get(FieldTable.Source).FirstString() + "\n" + scheduled.ToDisplayString();
        return "w" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    /// <summary>
    /// Inserts one batch. On failure (or, for a window, always first) it asks which positions of the
    /// batch ClickHouse holds and sends only the others, a few times; the same query id makes a
    /// resend wait for an earlier attempt still running rather than race it.
    /// </summary>
    private void WriteBatch(string batch, List<Row> rows, ulong ingest, bool knownNew, bool removeOnFailure = true)
    {
        var missing = knownNew ? Enumerable.Range(0, rows.Count).ToList() : MissingPositions(batch, rows.Count);
        var modelled = knownNew ? null : ModelledPositions(batch);
        for (var attempt = 1; missing.Count > 0; attempt++)
        {
            try
            {
                // Each shard's rows to its own node; an insert without an answer may have been applied,
                // so the next attempt sends only what ClickHouse does not hold.
                _inserter.Insert(rows, missing, batch, ingest, modelled);
                return;
            }
            catch (ClickHouseException e)
            {
                if (attempt < 3)
                {
                    Thread.Sleep(e.SameQueryRunning ? 1000 : 200 * attempt);
                    try
                    {
                        missing = MissingPositions(batch, rows.Count);
                        modelled = ModelledPositions(batch);
                        continue;
                    }
                    catch (ClickHouseException)
                    {
                        // cannot even read which rows arrived (a shard is down): the batch fails as a whole
                    }
                }

                if (knownNew && removeOnFailure)
                {
                    // The client is told the batch failed and will resend it under a new id: rows that
                    // reached some shards are removed, so the resend does not store them twice.
                    DeleteBatch(batch);
                }

                throw;
            }
        }
    }

    /// <summary>Removes a failed batch's rows from every shard that answers (an asynchronous mutation; best effort, logged by the caller's error).</summary>
    private void DeleteBatch(string batch)
    {
        foreach (var node in _nodes)
        {
            try
            {
                node.Execute($"ALTER TABLE events DELETE WHERE batch = {Sql.Literal(batch)}");
                node.Execute($"ALTER TABLE dm_rows DELETE WHERE batch = {Sql.Literal(batch)}");
            }
            catch (ClickHouseException)
            {
                // a shard that is down holds none of the batch's rows
            }
        }
    }

    private List<int> MissingPositions(string batch, int count)
    {
        var present = new HashSet<int>();
        foreach (var line in Lines($"SELECT seq FROM {Events} WHERE batch = {Sql.Literal(batch)}"))
        {
            present.Add(int.Parse(line, CultureInfo.InvariantCulture));
        }

        return Enumerable.Range(0, count).Where(i => !present.Contains(i)).ToList();
    }

    /// <summary>Positions of the batch whose data-model rows ClickHouse holds (written before their event, each insert whole).</summary>
    private HashSet<int> ModelledPositions(string batch) =>
        [.. Lines($"SELECT DISTINCT seq FROM {Table("dm_rows")} WHERE batch = {Sql.Literal(batch)}").Select(l => int.Parse(l, CultureInfo.InvariantCulture))];

    private void InsertWithRetry(string insert, byte[] rows, string? queryId)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                OnAnyNode(n => Done(() => n.Insert(insert, rows, queryId, SyncInsert)));
                return;
            }
            catch (ClickHouseException) when (attempt < 3)
            {
                Thread.Sleep(200 * attempt);
            }
        }
    }

    /// <summary>Commit time in nanoseconds, strictly increasing within this process (rows are read back in this order).</summary>
    private ulong NextIngest()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        _lastIngest = Math.Max(now, _lastIngest + 1);
        return (ulong)_lastIngest;
    }

    private static byte[] EncodeRuns(IReadOnlyList<RunRecord> runs)
    {
        var w = new RowBinaryWriter();
        foreach (var r in runs)
        {
            w.String(r.DetectionId);
            w.String(r.Detection);
            w.Float64(r.Scheduled);
            w.Float64(r.Earliest);
            w.Float64(r.Latest);
            w.String(r.Status);
            w.Int32(r.Results);
            w.Int32(r.Notables);
            w.Int32(r.RiskEvents);
            w.String(r.Error);
            w.Byte(r.Error is null ? (byte)0 : (byte)1); // has_error: the error column cannot hold null in 18.16 without Nullable
            w.Float64(r.RanAt);
        }

        return w.ToArray();
    }

    public IReadOnlyDictionary<string, double> LastScheduled()
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in Lines($"SELECT detection_id, max(scheduled) FROM {RunsTable} GROUP BY detection_id FORMAT TabSeparated"))
        {
            var tab = line.LastIndexOf('\t');
            result[Sql.UnescapeTsv(line[..tab])] = double.Parse(line[(tab + 1)..], CultureInfo.InvariantCulture);
        }

        return result;
    }

    public bool HasRun(string detectionId, double scheduled) =>
        QueryText($"SELECT count() FROM {RunsTable} WHERE detection_id = {Sql.Literal(detectionId)} AND scheduled = {Sql.Number(scheduled)} AND status != 'registered'") != "0";

    /// <summary>The lines of a query's TabSeparated answer, from the first node that answers.</summary>
    internal IEnumerable<string> QueryLines(string sql) => Lines(sql);

    /// <summary>Inserts RowBinary rows into one of Escudo's tables (through its Distributed table on a cluster), synchronously.</summary>
    internal void InsertRows(string local, byte[] rows) => InsertWithRetry($"INSERT INTO {Table(local)} FORMAT RowBinary", rows, null);

    /// <summary>The table to read one of Escudo's tables through: the Distributed one on a cluster.</summary>
    internal string Table(string local) => _cluster is null ? local : local + "_all";

    public IReadOnlyList<RunRecord> Runs(int limit)
    {
        // A record resent after a lost answer may be stored twice: LIMIT 1 BY shows it once.
        using var response = QueryAnyNode(
            $"SELECT detection_id, detection, scheduled, earliest, latest, status, results, notables, risks, error, has_error, ran_at FROM {RunsTable} "
            + $"ORDER BY scheduled DESC, detection LIMIT 1 BY detection_id, scheduled, status LIMIT {limit.ToString(CultureInfo.InvariantCulture)} FORMAT RowBinary");
        var reader = new RowBinaryReader(response.Content.ReadAsStream());
        var result = new List<RunRecord>();
        while (!ReadEnd(reader))
        {
            var id = reader.String();
            var name = reader.String();
            var scheduled = reader.Float64();
            var earliest = reader.Float64();
            var latest = reader.Float64();
            var status = reader.String();
            var results = reader.Int32();
            var notables = reader.Int32();
            var risks = reader.Int32();
            var error = reader.String();
            var hasError = reader.Byte() != 0;
            var ranAt = reader.Float64();
            result.Add(new RunRecord(id, name, scheduled, earliest, latest, status, results, notables, risks, hasError ? error : null, ranAt));
        }

        return result;
    }

    /// <summary>A real write through the Distributed table to every shard (one row each), synchronously.</summary>
    public void Probe(double now)
    {
        var w = new RowBinaryWriter();
        for (var shard = 0; shard < _nodes.Count; shard++)
        {
            w.UInt32((uint)shard);
            w.Float64(now);
        }

        var body = w.ToArray();
        OnAnyNode(n => Done(() => n.Insert($"INSERT INTO {(_cluster is null ? "probe" : "probe_all")} FORMAT RowBinary", body, null, SyncInsert)));
    }

    public long CountEvents() => long.Parse(QueryText($"SELECT count() FROM {Events}"), CultureInfo.InvariantCulture);

    private string QueryText(string sql) => OnAnyNode(n => n.Execute(sql));

    private IEnumerable<string> Lines(string sql) => QueryText(sql).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private HttpResponseMessage QueryAnyNode(string sql) => OnAnyNode(n => n.Query(sql));

    /// <summary>
    /// Runs on the first node that answers: every node has the Distributed tables, so a node that
    /// is down (no answer at all, as opposed to an error answered by ClickHouse) is passed over.
    /// </summary>
    private T OnAnyNode<T>(Func<ClickHouseNode, T> action)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return action(_nodes[i]);
            }
            catch (ClickHouseException e) when (e.Code is null && i + 1 < _nodes.Count)
            {
                // not answering: the next node
            }
            catch (ClickHouseException e) when (ShardDown(e) is { } shard)
            {
                // A Distributed read that could not reach a shard: an error naming it, never a short answer.
                throw new ClickHouseException($"shard {shard} of cluster '{_cluster}' did not answer; the search is stopped rather than answered without its events ({e.Message})", e.Node, e.Code, e);
            }
        }
    }

    /// <summary>"N (HOST:PORT)" for the shard a distributed query could not reach, or null for any other error.</summary>
    private string? ShardDown(ClickHouseException e)
    {
        // 210 NETWORK_ERROR, 209 SOCKET_TIMEOUT, 279 ALL_CONNECTION_TRIES_FAILED
        if (e.Code is not (209 or 210 or 279))
        {
            return null;
        }

        foreach (var (address, shard) in _shardByAddress)
        {
            if (e.Message.Contains(address, StringComparison.Ordinal))
            {
                return $"{shard.ToString(CultureInfo.InvariantCulture)} ({address})";
            }
        }

        return null;
    }

    private static bool Done(Action action)
    {
        action();
        return true;
    }

    public void Dispose()
    {
        foreach (var n in _nodes)
        {
            n.Dispose();
        }
    }
}
