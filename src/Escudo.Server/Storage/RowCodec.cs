using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Server.Storage;

/// <summary>
/// Encodes an event's fields (in order, except <c>_raw</c>, which has its own column) as one
/// compact JSON object, and back. Typed: numbers stay numbers, multivalues arrays, so a row read
/// back equals the row written, whatever the event's format. Windows XML events mapped by HEC are
/// stored as an <see cref="XmlRowRecipe"/> instead (a JSON array, told apart by its first byte),
/// which <see cref="Decode"/> also reads.
/// </summary>
internal static class RowCodec
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Marks where <c>_raw</c> sits in the field order.</summary>
    private const int RawMarker = 0;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    public static string Encode(Row row) => System.Text.Encoding.UTF8.GetString(EncodeUtf8(row));

    /// <summary>The row as UTF-8 JSON, in a buffer of this thread's that the next call overwrites (no string made).</summary>
    public static ReadOnlySpan<byte> EncodeUtf8(Row row)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        w.Reset(buffer);
        w.WriteStartObject();
        for (var i = 0; i < row.Count; i++)
        {
            var v = row.ValueAt(i);
            w.WritePropertyName(row.NameAt(i));
            if (row.IdAt(i) == FieldTable.Raw)
            {
                w.WriteNumberValue(RawMarker);
                continue;
            }

            WriteValue(w, v);
        }

        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenSpan;
    }

    /// <summary>One value, typed: numbers stay numbers, multivalues arrays (a null only where a recipe removes a field).</summary>
    internal static void WriteValue(Utf8JsonWriter w, Value v)
    {
        switch (v.Kind)
        {
            case ValueKind.Number when double.IsFinite(v.RawNumber):
                w.WriteNumberValue(v.RawNumber);
                break;
            case ValueKind.Number:
                // JSON has no NaN or infinity: kept as its text rather than failing the whole commit.
                w.WriteStringValue(v.ToDisplayString());
                break;
            case ValueKind.Boolean:
                w.WriteBooleanValue(v.RawBoolean);
                break;
            case ValueKind.Multi:
                w.WriteStartArray();
                foreach (var item in v.Items)
                {
                    w.WriteStringValue(item);
                }

                w.WriteEndArray();
                break;
            case ValueKind.Null:
                w.WriteNullValue();
                break;
            default:
                w.WriteStringValue(v.ToDisplayString());
                break;
        }
    }

    /// <summary>The value the reader is on, as <see cref="WriteValue"/> wrote it; null for a token it never writes.</summary>
    internal static Value ReadValue(ref Utf8JsonReader reader, List<string> items)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return Value.FromNumber(reader.GetDouble());
            case JsonTokenType.True:
                return Value.True;
            case JsonTokenType.False:
                return Value.False;
            case JsonTokenType.StartArray:
                items.Clear();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(reader.GetString() ?? string.Empty);
                }

                return Value.FromMulti(items);
            case JsonTokenType.String:
                return Value.FromString(reader.GetString());
            default:
                return Value.Null;
        }
    }

    public static Row Decode(string fields, string? raw)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(fields);
        if (XmlRowRecipe.IsRecipe(bytes))
        {
            return XmlRowRecipe.Decode(bytes, raw);
        }

        var reader = new Utf8JsonReader(bytes);
        var row = new Row(24);
        reader.Read(); // StartObject
        var items = new List<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var id = FieldTable.Intern(reader.GetString()!);
            reader.Read();
            if (id == FieldTable.Raw)
            {
                row.Set(id, Value.FromString(raw));
                continue;
            }

            if (ReadValue(ref reader, items) is { IsNull: false } value)
            {
                row.Append(id, value);
            }
        }

        return row;
    }
}
