using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Escudo.Ingest.Json;

/// <summary>
/// The top-level properties of one JSON line, read with <see cref="Utf8JsonReader"/> in one
/// forward pass (no <see cref="JsonDocument"/>): each property's name, the kind of its value and,
/// for a scalar, its text as <see cref="Escudo.Core.Text.JsonFlattener.Scalar"/> gives it (a
/// string unescaped, a number as written, true/false). Nested objects and arrays are skipped and
/// only their kind is kept. This is all a flat Windows event (NXLog, Winlogbeat-style recordings)
/// needs; anything else goes to the document path.
/// </summary>
internal sealed class JsonLineScan
{
    /// <summary>The encoder System.Text.Json uses for a string: an invalid surrogate throws, as in <see cref="JsonDocument.Parse(string, JsonDocumentOptions)"/>.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Strings up to this many UTF-8 bytes are kept for reuse by position (see <see cref="_seen"/>).</summary>
    private const int MaxReusedBytes = 64;

    private readonly List<(string Name, JsonValueKind Kind, string? Text)> _properties = new(48);

    /// <summary>
    /// The names and short string values read at each position of the previous lines: lines of one
    /// recording repeat their names, and many values (channel, provider, level), in the same
    /// order, so a name or value equal byte for byte to the one seen at its position is that same
    /// string, not a new one (most of what reading a line allocated).
    /// </summary>
    private readonly List<(byte[]? Name, string? NameText, byte[]? Value, string? ValueText)> _seen = new(48);

    public IReadOnlyList<(string Name, JsonValueKind Kind, string? Text)> Properties => _properties;

    /// <summary>
    /// Reads <paramref name="line"/> as one JSON object. False when it is anything else or is not
    /// valid JSON as <see cref="JsonDocument.Parse(string, JsonDocumentOptions)"/> reads it by
    /// default (the caller then takes the document path, which reports the same problem the same way).
    /// </summary>
    public bool TryRead(string line)
    {
        _properties.Clear();
        byte[]? rented = null;
        try
        {
            var max = StrictUtf8.GetMaxByteCount(line.Length);
            Span<byte> buffer = rented = ArrayPool<byte>.Shared.Rent(max);
            var length = StrictUtf8.GetBytes(line, buffer);
            return ReadObject(buffer[..length]);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            _properties.Clear();
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private bool ReadObject(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var position = _properties.Count;
            if (position == _seen.Count)
            {
                _seen.Add(default);
            }

            var name = Reuse(ref reader, position, isName: true);
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    _properties.Add((name, JsonValueKind.String, Reuse(ref reader, position, isName: false)));
                    break;
                case JsonTokenType.Number:
                    // GetRawText of a number: its bytes as written (numbers hold no escapes).
                    _properties.Add((name, JsonValueKind.Number, Encoding.UTF8.GetString(reader.ValueSpan)));
                    break;
                case JsonTokenType.True:
                    _properties.Add((name, JsonValueKind.True, "true"));
                    break;
                case JsonTokenType.False:
                    _properties.Add((name, JsonValueKind.False, "false"));
                    break;
                case JsonTokenType.Null:
                    _properties.Add((name, JsonValueKind.Null, null));
                    break;
                case JsonTokenType.StartObject:
                    reader.Skip();
                    _properties.Add((name, JsonValueKind.Object, null));
                    break;
                case JsonTokenType.StartArray:
                    reader.Skip();
                    _properties.Add((name, JsonValueKind.Array, null));
                    break;
                default:
                    return false;
            }
        }

        // The root object must be the whole line: trailing text is an error for the document path
        // too (Read throws on it; whitespace alone ends the input).
        return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
    }

    /// <summary>
    /// The current name or string token as a string: the one read at this position before when
    /// the bytes are the same and hold no escape (an escaped token is always unescaped anew).
    /// </summary>
    private string Reuse(ref Utf8JsonReader reader, int position, bool isName)
    {
        var bytes = reader.ValueSpan;
        if (reader.ValueIsEscaped || bytes.Length > MaxReusedBytes)
        {
            return reader.GetString()!;
        }

        var seen = _seen[position];
        var known = isName ? seen.Name : seen.Value;
        if (known is not null && bytes.SequenceEqual(known))
        {
            return (isName ? seen.NameText : seen.ValueText)!;
        }

        var text = reader.GetString()!;
        _seen[position] = isName ? seen with { Name = bytes.ToArray(), NameText = text } : seen with { Value = bytes.ToArray(), ValueText = text };
        return text;
    }

    /// <summary>
    /// The value of the property <paramref name="name"/> as the document path's
    /// <c>TryGetProperty</c> finds it: with duplicate names, the last one.
    /// </summary>
    public bool TryGet(string name, out JsonValueKind kind, out string? text)
    {
        for (var i = _properties.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_properties[i].Name, name, StringComparison.Ordinal))
            {
                (_, kind, text) = _properties[i];
                return true;
            }
        }

        kind = JsonValueKind.Undefined;
        text = null;
        return false;
    }

    /// <summary>A scalar property's text; null when missing, null, an object or an array.</summary>
    public string? Str(string name) =>
        TryGet(name, out var kind, out var text) && kind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array) ? text : null;

    /// <summary>A number property as a whole 64-bit integer, as <see cref="JsonElement.TryGetInt64"/> reads it.</summary>
    public static bool TryGetInt64(string numberText, out long value)
    {
        Span<byte> bytes = stackalloc byte[64];
        if (numberText.Length > bytes.Length)
        {
            value = 0;
            return false;
        }

        var n = Encoding.UTF8.GetBytes(numberText, bytes);
        return Utf8Parser.TryParse(bytes[..n], out value, out var consumed) && consumed == n;
    }
}
