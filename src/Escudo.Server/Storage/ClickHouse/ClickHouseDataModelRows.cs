using System.Globalization;
using Escudo.Core.DataModels;
using Escudo.Core.Events;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Data-model rows filled at ingest, ClickHouse's equivalent of Splunk's data-model acceleration:
/// each event is mapped once, when it is written, to a row of every CIM dataset it belongs to
/// (with <see cref="DataModelMapper"/>, the mapper the engine uses for <c>tstats</c> on every
/// store), and the rows are kept in <c>dm_rows</c> on the event's shard, ordered by dataset then
/// time, so <c>tstats ... from datamodel=X</c> reads X's rows in its time range instead of
/// scanning and mapping every event. A row is stored as its typed field set
/// (<see cref="RowCodec"/>), so it reads back equal to the row the embedded store maps from the
/// same event; it carries its event's batch and position, and is read in the events' commit order.
/// </summary>
internal sealed class ClickHouseDataModelRows(DataModelCatalog catalog)
{
    /// <summary>Rows per insert when backfilling an existing events table.</summary>
    private const int BackfillChunk = 8192;

    private static readonly int ChannelId = FieldTable.Intern("Channel");

    private readonly DataModelDataset[] _datasets = [.. catalog.Datasets.OrderBy(d => d.FullName, StringComparer.Ordinal)];

    /// <summary>The columns of <c>dm_rows</c>, in insert order.</summary>
    // source and channel name the event a row stands for (its provenance), with the row id computed from batch and seq.
    public const string Columns = "dataset String, _time Float64, host String, fields String, ingest UInt64, batch String, seq UInt32, source String, channel String";

    /// <summary>Appends the data-model rows of one event (none when it belongs to no dataset); the number written.</summary>
    public int Encode(RowBinaryWriter w, Row ev, string batch, ulong ingest, uint seq)
    {
        var written = 0;
        foreach (var dataset in _datasets)
        {
            if (!DataModelMapper.Matches(dataset, ev))
            {
                continue;
            }

            var row = DataModelMapper.Project(dataset, ev);
            w.String(dataset.FullName);
            w.Float64(row.Time);
            w.String(ev.Get(FieldTable.Host).FirstString());
            w.Utf8(RowCodec.EncodeUtf8(row));
            w.UInt64(ingest);
            w.String(batch);
            w.UInt32(seq);
            w.String(ev.Get(FieldTable.Source).FirstString());
            w.String(ev.Get(ChannelId).FirstString());
            written++;
        }

        return written;
    }

    /// <summary>
    /// Maps the events a node already holds (a database created before data-model tables) into
    /// that node's <c>dm_rows</c>, in chunks; the caller empties <c>dm_rows</c> first, so a
    /// backfill cut short and run again stores each row once. Returns the number of events read.
    /// </summary>
    public long Backfill(ClickHouseNode node)
    {
        using var response = node.Query("SELECT _raw, fields, ingest, batch, seq FROM events FORMAT RowBinary"); // any order: reads sort by ingest, seq
        var reader = new RowBinaryReader(response.Content.ReadAsStream());
        var body = new RowBinaryWriter();
        var rows = 0;
        long events = 0;
        while (!reader.AtEnd())
        {
            var raw = reader.String();
            var ev = RowCodec.Decode(reader.String(), raw);
            var ingest = reader.UInt64();
            var batch = reader.String();
            var seq = reader.UInt32();
            rows += Encode(body, ev, batch, ingest, seq);
            events++;
            if (rows >= BackfillChunk)
            {
                node.Insert("INSERT INTO dm_rows FORMAT RowBinary", body.WrittenMemory, null);
                body = new RowBinaryWriter();
                rows = 0;
            }
        }

        if (rows > 0)
        {
            node.Insert("INSERT INTO dm_rows FORMAT RowBinary", body.WrittenMemory, null);
        }

        return events;
    }

    /// <summary>The SELECT of one dataset's rows whose time passes <paramref name="where"/>, in commit order.</summary>
    public static string Select(string table, DataModelDataset dataset, string where) =>
        string.Create(CultureInfo.InvariantCulture, $"SELECT fields, {ClickHouseStore.RowIdSql}, source, host, channel FROM {table} WHERE dataset = {Sql.Literal(dataset.FullName)} AND {where} ORDER BY ingest, seq, batch FORMAT RowBinary");
}
