using System.Globalization;
using Escudo.Core.Events;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Provenance on ClickHouse: every event read back carries a store row id, the handle a notable's
/// <c>escudo_evidence</c> names it by, and <see cref="EventsByRowId"/> finds the event again by it.
/// </summary>
public sealed partial class ClickHouseStore
{
    /// <summary>
    /// The row id: a 63-bit hash of the row's own key, (batch id, position in the batch), which is
    /// unique per stored event (a resend stores no position twice) and the same on every shard, node
    /// and restart, since it is computed from stored columns. The table has no row number of its own
    /// (a merge reorders parts), and the key does not fit 64 bits as it is, hence the hash; a lookup
    /// also narrows by the event time the reference carries, so two events would have to share the
    /// hash and the time to be confused.
    /// </summary>
    internal const string RowIdSql = "bitAnd(cityHash64(batch, seq), 9223372036854775807)";

    /// <summary>What a scan reads of each event: the row (raw text and typed fields) and its provenance.</summary>
    private const string StoredColumns = "_raw, fields, " + RowIdSql + ", source, host";

    /// <summary>
    /// The stored events with this row id (normally one), near <paramref name="time"/> when given.
    /// Without a time the lookup reads the key columns of every event (a full scan of two small
    /// columns); with it ClickHouse reads only the parts whose time range holds it.
    /// </summary>
    public IReadOnlyList<Row> EventsByRowId(long rowId, double? time, CancellationToken cancellation)
    {
        var where = $"{RowIdSql} = {rowId.ToString(CultureInfo.InvariantCulture)}";
        if (time is { } t && double.IsFinite(t))
        {
            // The reference's time is the display form of _time: within a millisecond of the stored value.
            where += $" AND _time >= {Sql.Number(t - 0.001)} AND _time <= {Sql.Number(t + 0.001)}";
        }

        using var response = QueryAnyNode($"SELECT {StoredColumns} FROM {Events} WHERE {where} ORDER BY ingest, seq FORMAT RowBinary");
        return ReadStored(response, cancellation).ToList();
    }

    /// <summary>The rows of an answer to a <see cref="StoredColumns"/> query, each stamped with its source, host and row id.</summary>
    private IEnumerable<Row> ReadStored(HttpResponseMessage response, CancellationToken cancellation) =>
        ReadRows(response, ReadOne, cancellation);

    /// <summary>The rows of a RowBinary answer, each read by <paramref name="readOne"/>, checking for cancellation every 1,024 rows.</summary>
    private IEnumerable<T> ReadRows<T>(HttpResponseMessage response, Func<RowBinaryReader, StoreOrigins, T> readOne, CancellationToken cancellation)
    {
        using var stream = response.Content.ReadAsStream(cancellation);
        var reader = new RowBinaryReader(stream);
        var origins = new StoreOrigins();
        var count = 0;
        while (!ReadEnd(reader))
        {
            if ((++count & 1023) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            yield return readOne(reader, origins);
        }
    }

    /// <summary>One row of <see cref="StoredColumns"/>, stamped with its source, host and row id.</summary>
    private static Row ReadOne(RowBinaryReader reader, StoreOrigins origins)
    {
        var raw = reader.String();
        var row = RowCodec.Decode(reader.String(), raw);
        var rowId = (long)reader.UInt64();
        var source = reader.String();
        var host = reader.String();

        // An empty column is a field the event did not have (String cannot hold null in 18.16), as DuckDB's null.
        row.Ref = new EventRef(origins.Of(source, host.Length == 0 ? null : host, row), rowId, row.Time);
        return row;
    }
}
