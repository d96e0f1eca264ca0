using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Events as rows of the <c>events</c> table, in RowBinary: the default fields, the field columns,
/// the other fields as key/value arrays, <c>_raw</c>, the typed row (<see cref="RowCodec"/>), and
/// the commit order and batch position that make a resend store nothing twice.
/// </summary>
internal sealed class ClickHouseEventRows(ClickHouseDataModelRows models) : IClickHouseRowEncoder
{
    /// <summary>
    /// The data-model rows first, then the events: an event that ClickHouse holds has its
    /// data-model rows too (each is one insert, applied whole), so a retry that sends the missing
    /// events sends the data-model rows of those that lack them (<paramref name="modelled"/>: positions that have theirs).
    /// </summary>
    public IReadOnlyList<(string Table, RowBinaryWriter Body)> Encode(List<Row> rows, List<int> positions, string batch, ulong ingest, IReadOnlySet<int>? modelled)
    {
        var model = new RowBinaryWriter(positions.Count * 512);
        var modelRows = 0;
        foreach (var i in positions)
        {
            if (modelled is null || !modelled.Contains(i))
            {
                modelRows += models.Encode(model, rows[i], batch, ingest, (uint)i);
            }
        }

        var events = new RowBinaryWriter(positions.Count * 4096);
        Encode(events, rows, positions, batch, ingest);
        return modelRows > 0 ? [("dm_rows", model), ("events", events)] : [("events", events)];
    }

    /// <summary>Appends the rows at <paramref name="positions"/> to <paramref name="w"/>.</summary>
    public static void Encode(RowBinaryWriter w, List<Row> rows, IEnumerable<int> positions, string batch, ulong ingest)
    {
        var keys = new List<string>();
        var values = new List<string>();
        var columnValues = new string?[ClickHouseSchema.FieldColumns.Count];
        foreach (var i in positions)
        {
            var row = rows[i];
            var time = row.Time;
            w.Float64(time);
            w.String((row.Get(FieldTable.Index).FirstString() ?? "main").ToLowerInvariant());
            w.String(row.Get(FieldTable.Host).FirstString());
            w.String(row.Get(FieldTable.Source).FirstString());
            w.String(row.Get(FieldTable.SourceType).FirstString());
            w.String(EventCode(row));
            Fields(row, columnValues, keys, values);
            foreach (var c in columnValues)
            {
                w.String(c);
            }

            w.StringArray(keys);
            w.StringArray(values);
            w.String(row.Get(FieldTable.Raw).FirstString());
            w.Utf8(RowCodec.EncodeUtf8(row));
            w.UInt64(ingest);
            w.String(batch);
            w.UInt32((uint)i);
        }
    }

    /// <summary>The row's single-valued column fields, and every other field's values as key/value pairs (a multivalue field once per value).</summary>
    private static void Fields(Row row, string?[] columns, List<string> keys, List<string> values)
    {
        Array.Clear(columns);
        keys.Clear();
        values.Clear();
        for (var i = 0; i < row.Count; i++)
        {
            var id = row.IdAt(i);
            if (id == FieldTable.Raw || id == FieldTable.Time)
            {
                continue;
            }

            var name = row.NameAt(i);
            var v = row.ValueAt(i);
            if (v.IsNull)
            {
                continue;
            }

            var column = ColumnIndex(name);
            if (v.Kind == ValueKind.Multi)
            {
                foreach (var item in v.Items)
                {
                    keys.Add(name);
                    values.Add(item);
                }
            }
            else if (column >= 0)
            {
                columns[column] = v.ToDisplayString();
            }
            else
            {
                keys.Add(name);
                values.Add(v.ToDisplayString());
            }
        }
    }

    private static readonly Dictionary<string, int> ColumnIndexes =
        ClickHouseSchema.FieldColumns.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i, StringComparer.Ordinal);

    private static int ColumnIndex(string field) => ColumnIndexes.TryGetValue(field, out var i) ? i : -1;

    private static string? EventCode(Row row)
    {
        var v = row.Get("EventCode");
        if (v.IsNull)
        {
            v = row.Get("EventID");
        }

        return v.IsNull ? null : v.FirstString() ?? v.ToDisplayString();
    }
}
