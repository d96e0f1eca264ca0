using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;

namespace Escudo.Server.Storage;

/// <summary>
/// How a Windows XML event's row is made again from its <c>_raw</c>, stored instead of its fields:
/// the arguments <see cref="WindowsEventMapper.ToRow"/> was called with and the fields set on the
/// row afterwards (HEC <c>fields</c> and <c>time</c>, a token's defaults), in order. The mapped
/// fields of a Sysmon event are about 4 KB of JSON, 2.5 times its <c>_raw</c>; the recipe is tens of
/// bytes, and mapping <c>_raw</c> again costs no more than decoding that JSON. Splunk itself
/// extracts these fields from <c>_raw</c> at search time.
/// <para>
/// Stored as a JSON array (<see cref="RowCodec"/>'s objects are the other format, so a store
/// written before keeps reading): <c>[1, source, sourcetype, host, index, [name, value, ...],
/// [text, ...]]</c>. The last list holds the row's text values that are not in <c>_raw</c> as
/// they stand (XML-escaped text, the add-ons' constants and lookups), so that "the stored text
/// contains the literal" stays a superset for <see cref="LiteralPushdown"/> on the <c>fields</c>
/// and <c>_raw</c> columns together.
/// </para>
/// </summary>
internal sealed class XmlRowRecipe(string? source, string? sourceType, string? host, string index)
{
    public const int Version = 1;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The stored form of rows made by a recipe, from the request thread that made them to the store's commit.</summary>
    private static readonly ConditionalWeakTable<Row, string> Stored = [];

    private readonly List<(int Id, Value Value)> _edits = [];

    /// <summary>Maps Windows XML as the recipe will on read.</summary>
    public Row Map(WindowsEvent xml, string raw) => WindowsEventMapper.ToRow(xml, raw, source, sourceType, host, index);

    /// <summary>Sets a field on the mapped row, and remembers it for the row's next making.</summary>
    public void Set(Row row, int id, Value value)
    {
        row.Set(id, value);
        _edits.Add((id, value));
    }

    /// <summary>
    /// Encodes the recipe for <paramref name="row"/> (mapped by <see cref="Map"/> and changed only
    /// by <see cref="Set"/>) and keeps it for <see cref="StoredForm"/>. A row whose <c>_raw</c> was
    /// set afterwards is not made from its <c>_raw</c> and keeps the plain encoding.
    /// </summary>
    public void Attach(Row row)
    {
        if (_edits.Exists(e => e.Id == FieldTable.Raw) || row.Get(FieldTable.Raw).FirstString() is not { } raw)
        {
            return;
        }

        Stored.AddOrUpdate(row, Encode(row, raw));
    }

    private static readonly int EventCodeId = FieldTable.Intern("EventCode");
    private static readonly int EventIdId = FieldTable.Intern("EventID");

    /// <summary>
    /// For a store that keeps recipes (<see cref="IServeStore.KeepsXmlRecipes"/>): a row holding only
    /// what it stores of a row with a recipe attached (the default fields, the event code, <c>_raw</c>
    /// and the recipe), or null when none is attached. The mapped row is about 90 fields and 10 KB;
    /// held while its request waits for the group commit, every one of them outlived a young
    /// collection, and the promoted rows set off full blocking collections under HEC load.
    /// </summary>
    public static Row? Slim(Row row)
    {
        if (StoredForm(row) is not { } form)
        {
            return null;
        }

        var slim = new Row(8);
        foreach (var id in StoredIds)
        {
            if (row.Get(id) is { IsNull: false } value)
            {
                slim.Append(id, value);
            }
        }

        slim.CopyProvenance(row);
        FieldKeys.Remember(slim, row);
        Stored.AddOrUpdate(slim, form);
        Stored.Remove(row);
        return slim;
    }

    /// <summary>The fields a store that keeps recipes reads of a row beside its recipe (its columns; the event code from EventCode, else EventID).</summary>
    private static readonly int[] StoredIds = [FieldTable.Time, FieldTable.Index, FieldTable.Host, FieldTable.Source, FieldTable.SourceType, EventCodeId, EventIdId, FieldTable.Raw];

    /// <summary>The recipe attached to this row, or null (then it is stored with all its fields).</summary>
    public static string? StoredForm(Row row) => Stored.TryGetValue(row, out var form) ? form : null;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    private string Encode(Row row, string raw)
    {
        // This thread's buffer and writer, reset: a recipe costs its string only.
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        w.Reset(buffer);
        w.WriteStartArray();
        w.WriteNumberValue(Version);
        w.WriteStringValue(source);
        w.WriteStringValue(sourceType);
        w.WriteStringValue(host);
        w.WriteStringValue(index);
        w.WriteStartArray();
        foreach (var (id, value) in _edits)
        {
            w.WriteStringValue(FieldTable.NameOf(id));
            RowCodec.WriteValue(w, value);
        }

        w.WriteEndArray();
        w.WriteStartArray();
        WriteTextNotInRaw(w, row, raw);
        w.WriteEndArray();
        w.WriteEndArray();
        w.Flush();

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Every text a search could match in a field (not <c>_raw</c>) that <c>_raw</c> does not hold as it stands.</summary>
    private static void WriteTextNotInRaw(Utf8JsonWriter w, Row row, string raw)
    {
        for (var i = 0; i < row.Count; i++)
        {
            if (row.IdAt(i) == FieldTable.Raw)
            {
                continue;
            }

            var v = row.ValueAt(i);
            switch (v.Kind)
            {
                case ValueKind.Number when double.IsFinite(v.RawNumber):
                    break; // a finite number's text holds no character a pushed literal needs (LiteralPushdown.Pushable)
                case ValueKind.Multi:
                    foreach (var item in v.Items)
                    {
                        WriteIfNotIn(w, item, raw);
                    }

                    break;
                default:
                    WriteIfNotIn(w, v.ToDisplayString(), raw);
                    break;
            }
        }
    }

    private static void WriteIfNotIn(Utf8JsonWriter w, string text, string raw)
    {
        if (text.Length > 0 && !raw.Contains(text, StringComparison.Ordinal))
        {
            w.WriteStringValue(text);
        }
    }

    /// <summary>Whether stored fields are a recipe (a JSON array) rather than <see cref="RowCodec"/>'s object.</summary>
    public static bool IsRecipe(ReadOnlySpan<byte> fields) => fields.Length > 0 && fields[0] == (byte)'[';

    /// <summary>The row a stored recipe makes from <paramref name="raw"/>; throws <see cref="InvalidDataException"/> on one it cannot follow.</summary>
    public static Row Decode(ReadOnlySpan<byte> fields, string? raw)
    {
        var reader = new Utf8JsonReader(fields);
        reader.Read(); // StartArray
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var version) || version != Version)
        {
            throw new InvalidDataException($"a stored event's fields are in a format this version of escudo does not know (expected version {Version})");
        }

        var source = NextString(ref reader);
        var sourceType = NextString(ref reader);
        var host = NextString(ref reader);
        var index = NextString(ref reader) ?? "main";
        var xml = raw is not null && raw.Contains("<Event", StringComparison.Ordinal) ? WindowsXmlParser.Parse(raw) : null;
        if (xml?.EventId is null)
        {
            throw new InvalidDataException("a stored event's fields are to be mapped from its _raw, which is not a Windows XML event");
        }

        var row = WindowsEventMapper.ToRow(xml, raw!, source, sourceType, host, index);
        reader.Read(); // StartArray of edits
        var items = new List<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            var id = FieldTable.Intern(reader.GetString()!);
            reader.Read();
            row.Set(id, RowCodec.ReadValue(ref reader, items));
        }

        return row; // the text list that follows serves the SQL pushdown only
    }

    private static string? NextString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
    }
}
