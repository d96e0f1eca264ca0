using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// Events in an embedded DuckDB file. Metadata columns (<c>_time index host source sourcetype
/// EventCode</c>) serve time-range and equality pushdown; <c>_raw</c> and the typed field set
/// (<see cref="RowCodec"/>) rebuild the row. DuckDB keeps insertion order and min/max zone maps
/// per row group, so live ingestion (roughly time-ordered) gives cheap range scans. Data model
/// rows are computed on read from the scanned events with <see cref="DataModelMapper"/>.
/// </summary>
public sealed partial class DuckDbStore : IServeStore
{
    private readonly Lock _writeLock = new();

    /// <summary>The DuckDB instance holding the file (see <see cref="DuckDbFiles"/>); the writer and readers are its connections.</summary>
    private readonly DuckDBConnection _instance;
    private DuckDBConnection _writer;

    /// <summary>Set after a failed write: DuckDB may have invalidated the database, so the next write reopens it first.</summary>
    private bool _broken;

    public DuckDbStore(string dataDir, string? memoryLimit = null, StoreFaults? faults = null)
    {
        Directory.CreateDirectory(dataDir);
        Path_ = System.IO.Path.Combine(Path.GetFullPath(dataDir), "escudo.duckdb");
        Faults = faults ?? new StoreFaults();
        // With a limit DuckDB spills what exceeds it (https://duckdb.org/docs/stable/operations_manual/limits):
        // beside the store file, not in the working directory an in-memory root instance would use.
        _instance = DuckDbFiles.OpenInstance(Path_, memoryLimit is null ? null : $"SET memory_limit='{memoryLimit.Replace("'", string.Empty, StringComparison.Ordinal)}'; SET temp_directory='{(Path_ + ".tmp").Replace("'", "''", StringComparison.Ordinal)}'");
        try
        {
            _writer = OpenWriter();
        }
        catch
        {
            _instance.Dispose();
            throw;
        }

        DuckDbFiles.Register(Path_, _instance);
    }

    /// <summary>The fault-injection seam (tests only); inert unless a fault is set.</summary>
    public StoreFaults Faults { get; }

    private DuckDBConnection OpenWriter()
    {
        Faults.Check(StoreStep.Open);
        var writer = DuckDbFiles.Connect(_instance);
        try
        {
            // exact_columns and field_keys came after the first stores were written: adding them upgrades
            // an old file, whose rows read null there (not exact, no keys: searches read them as before).
            Execute(writer, """
                CREATE TABLE IF NOT EXISTS events(
                  _time DOUBLE, idx VARCHAR, host VARCHAR, source VARCHAR, sourcetype VARCHAR, event_code VARCHAR,
                  _raw VARCHAR, fields VARCHAR);
                ALTER TABLE events ADD COLUMN IF NOT EXISTS exact_columns BOOLEAN;
                ALTER TABLE events ADD COLUMN IF NOT EXISTS field_keys VARCHAR;
                CREATE TABLE IF NOT EXISTS runs(
                  detection_id VARCHAR, detection VARCHAR, scheduled DOUBLE, earliest DOUBLE, latest DOUBLE,
                  status VARCHAR, results INTEGER, notables INTEGER, risks INTEGER, error VARCHAR, ran_at DOUBLE);
                CREATE TABLE IF NOT EXISTS health_probe(probed_at DOUBLE);
                """);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>After a failed write, a fresh connection (DuckDB replays its WAL); throws while the fault lasts.</summary>
    private void EnsureWritable()
    {
        if (!_broken)
        {
            return;
        }

        _writer.Dispose();
        _writer = OpenWriter();
        _broken = false;
    }

    public string Path_ { get; }

    public DataModelCatalog Catalog { get; } = DataModelCatalog.Cim;

    /// <summary>The engine re-applies the full filter: pushdown is a superset.</summary>
    public bool AppliesFilters => false;

    public IEnumerable<Row> Scan(ScanRequest request) =>
        Scan(request, PushdownAnalyzer.FromCondition(request.Condition), CancellationToken.None);

    public IEnumerable<Row> Scan(ScanRequest request, Pushdown pushdown, CancellationToken cancellation)
    {
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        // With a field list, _raw is read only for rows stored as a recipe (made from it).
        var subset = request.Fields is { } wanted ? new StoredFieldSubset(wanted) : null;
        var sql = new StringBuilder(subset is null
            ? "SELECT _raw, fields, rowid, source, host FROM events WHERE true"
            : "SELECT CASE WHEN starts_with(fields, '[') THEN _raw END, fields, rowid, source, host FROM events WHERE true");
        var n = 0;
        if (request.Time.Earliest is { } e)
        {
            sql.Append(" AND _time >= $p").Append(n);
            cmd.Parameters.Add(new DuckDBParameter("p" + n++, e));
        }

        if (request.Time.Latest is { } l)
        {
            sql.Append(" AND _time < $p").Append(n);
            cmd.Parameters.Add(new DuckDBParameter("p" + n++, l));
        }

        foreach (var (field, values) in pushdown.Equalities)
        {
            var column = field switch
            {
                "index" => "idx",
                "EventCode" => "event_code",
                _ => field,
            };
            if (values.Count == 0)
            {
                yield break; // contradictory constraints: nothing can match
            }

            sql.Append(field == "EventCode" ? $" AND {column} IN (" : $" AND lower({column}) IN (");
            for (var i = 0; i < values.Count; i++)
            {
                sql.Append(i == 0 ? "$p" : ", $p").Append(n);
                cmd.Parameters.Add(new DuckDBParameter("p" + n++, field == "EventCode" ? values[i] : values[i].ToLowerInvariant()));
            }

            sql.Append(')');
        }

        string Parameter(string value)
        {
            cmd.Parameters.Add(new DuckDBParameter("p" + n, value));
            return "$p" + n++;
        }

        if (LiteralPushdown.Clause(request.RequiredLiterals, Parameter) is { } literals)
        {
            sql.Append(" AND ").Append(literals);
        }

        if (FieldKeys.Clause(request.Condition, Parameter) is { } keys)
        {
            sql.Append(" AND ").Append(keys);
        }

        cmd.CommandText = sql.ToString();

        // Streamed, not materialized: DuckDB.NET's default collects the whole result before the
        // first row, outside DuckDB's memory limit, and a tstats over 500,000 stored events (every
        // row's _raw and fields) took the process to 3.4 GB, 9.9 GB at 2 M (bench clickhouse-scale).
        cmd.UseStreamingMode = true;
        using var reader = cmd.ExecuteReader();
        var count = 0;
        var origins = new StoreOrigins();
        while (reader.Read())
        {
            if ((++count & 1023) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            yield return Stored(reader, origins, subset);
        }
    }

    /// <summary>One row of a <c>SELECT _raw, fields, rowid, source, host</c>, stamped with its provenance; with a subset, only the fields it names (see <see cref="StoredFieldSubset"/>).</summary>
    private static Row Stored(DuckDBDataReader reader, StoreOrigins origins, StoredFieldSubset? subset = null)
    {
        var raw = reader.IsDBNull(0) ? null : reader.GetString(0);
        var row = subset is null ? RowCodec.Decode(reader.GetString(1), raw) : subset.Decode(reader.GetString(1), raw);

        // Provenance: the event's HEC source and host, and its row id (never reused: events are only appended).
        var origin = origins.Of(reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), row);
        row.Ref = new EventRef(origin, reader.GetInt64(2), row.Time);
        return row;
    }

    /// <summary>The event with this row id (DuckDB's own, stable in an append-only table, so the time is not needed).</summary>
    public IReadOnlyList<Row> EventsByRowId(long rowId, double? time, CancellationToken cancellation)
    {
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT _raw, fields, rowid, source, host FROM events WHERE rowid = $1";
        cmd.Parameters.Add(new DuckDBParameter(rowId));
        using var reader = cmd.ExecuteReader();
        var origins = new StoreOrigins();
        var result = new List<Row>();
        while (reader.Read())
        {
            result.Add(Stored(reader, origins));
        }

        return result;
    }

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request) => Rows(dataset, request, CancellationToken.None);

    public IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request, CancellationToken cancellation)
    {
        foreach (var e in Scan(new ScanRequest(request.Time), Pushdown.None, cancellation))
        {
            if (DataModelMapper.Matches(dataset, e))
            {
                yield return DataModelMapper.Project(dataset, e);
            }
        }
    }

    public bool KeepsXmlRecipes => true;

    public void Commit(IReadOnlyList<Row> events, IReadOnlyList<RunRecord> runs)
    {
        lock (_writeLock)
        {
            try
            {
                EnsureWritable();
                CommitOnce(events, runs);
            }
            catch
            {
                _broken = true;
                throw;
            }
        }
    }

    /// <summary>
    /// A real durable write (a row replaced in <c>health_probe</c>, committed through the WAL) to
    /// learn whether a degraded store works again while no client is writing.
    /// </summary>
    public void Probe(double now)
    {
        lock (_writeLock)
        {
            try
            {
                EnsureWritable();
                using var tx = _writer.BeginTransaction();
                Execute(_writer, "DELETE FROM health_probe");
                using (var cmd = _writer.CreateCommand())
                {
                    cmd.CommandText = "INSERT INTO health_probe VALUES ($1)";
                    cmd.Parameters.Add(new DuckDBParameter(now));
                    cmd.ExecuteNonQuery();
                }

                Faults.Check(StoreStep.Checkpoint);
                tx.Commit();
            }
            catch
            {
                _broken = true;
                throw;
            }
        }
    }

    private void CommitOnce(IReadOnlyList<Row> events, IReadOnlyList<RunRecord> runs)
    {
        {
            using var tx = _writer.BeginTransaction();
            if (events.Count > 0)
            {
                Faults.Check(StoreStep.Append);
                using var app = _writer.CreateAppender("events");
                foreach (var row in events)
                {
                    Faults.CheckRow(row.Get(FieldTable.Raw).FirstString());
                    var time = row.Time;
                    app.CreateRow()
                        .AppendValue(double.IsNaN(time) ? (double?)null : time)
                        .AppendValue((row.Get(FieldTable.Index).FirstString() ?? "main").ToLowerInvariant())
                        .AppendValue(row.Get(FieldTable.Host).FirstString())
                        .AppendValue(row.Get(FieldTable.Source).FirstString())
                        .AppendValue(row.Get(FieldTable.SourceType).FirstString())
                        .AppendValue(EventCode(row))
                        .AppendValue(row.Get(FieldTable.Raw).FirstString())
                        .AppendValue(XmlRowRecipe.StoredForm(row) ?? RowCodec.Encode(row))
                        .AppendValue(ExactColumns.Of(row))
                        .AppendValue(FieldKeys.Of(row))
                        .EndRow();
                }
            }

            foreach (var r in runs)
            {
                using var cmd = _writer.CreateCommand();
                cmd.CommandText = "INSERT INTO runs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
                cmd.Parameters.Add(new DuckDBParameter(r.DetectionId));
                cmd.Parameters.Add(new DuckDBParameter(r.Detection));
                cmd.Parameters.Add(new DuckDBParameter(r.Scheduled));
                cmd.Parameters.Add(new DuckDBParameter(r.Earliest));
                cmd.Parameters.Add(new DuckDBParameter(r.Latest));
                cmd.Parameters.Add(new DuckDBParameter(r.Status));
                cmd.Parameters.Add(new DuckDBParameter(r.Results));
                cmd.Parameters.Add(new DuckDBParameter(r.Notables));
                cmd.Parameters.Add(new DuckDBParameter(r.RiskEvents));
                cmd.Parameters.Add(new DuckDBParameter((object?)r.Error ?? DBNull.Value));
                cmd.Parameters.Add(new DuckDBParameter(r.RanAt));
                cmd.ExecuteNonQuery();
            }

            Faults.Check(StoreStep.Commit);
            tx.Commit();
            Faults.Check(StoreStep.AfterCommit);
        }
    }

    internal static string? EventCode(Row row)
    {
        var v = row.Get("EventCode");
        if (v.IsNull)
        {
            v = row.Get("EventID");
        }

        return v.IsNull ? null : v.FirstString() ?? v.ToDisplayString();
    }

    public IReadOnlyDictionary<string, double> LastScheduled()
    {
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT detection_id, max(scheduled) FROM runs GROUP BY detection_id";
        using var r = cmd.ExecuteReader();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        while (r.Read())
        {
            result[r.GetString(0)] = r.GetDouble(1);
        }

        return result;
    }

    public bool HasRun(string detectionId, double scheduled)
    {
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM runs WHERE detection_id = $1 AND scheduled = $2 AND status <> 'registered'";
        cmd.Parameters.Add(new DuckDBParameter(detectionId));
        cmd.Parameters.Add(new DuckDBParameter(scheduled));
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    public IReadOnlyList<RunRecord> Runs(int limit)
    {
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT * FROM runs ORDER BY scheduled DESC, detection LIMIT " + limit.ToString(CultureInfo.InvariantCulture);
        using var r = cmd.ExecuteReader();
        var result = new List<RunRecord>();
        while (r.Read())
        {
            result.Add(new RunRecord(r.GetString(0), r.GetString(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetString(5),
                r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), r.IsDBNull(9) ? null : r.GetString(9), r.GetDouble(10)));
        }

        return result;
    }

    public long CountEvents()
    {
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM events";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>A connection of its own for a reader, to the store's one instance.</summary>
    private DuckDBConnection OpenReader() => DuckDbFiles.Connect(_instance);

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            DuckDbFiles.Unregister(Path_, _instance);
            _writer.Dispose();
            _instance.Dispose();
        }
    }
}
