using System.Text;
using System.Text.Json;
using Escudo.Core.Values;

namespace Escudo.Server.Http;

/// <summary>
/// One HEC <c>/event</c> object whose <c>event</c> is a string (Windows XML, a line of text), read
/// with <see cref="Utf8JsonReader"/> straight from the request body: no <c>JsonDocument</c> and no
/// copy of the envelope per event. It reads each property as <c>JsonEventReader.FromJson</c> reads
/// it from a <c>JsonElement</c>; any object it cannot read the same way (an <c>event</c> that is an
/// object or a number, a property given twice, an object inside <c>fields</c>) is left to that
/// general path, so both give the same row (HecEnvelopeDifferentialTests).
/// </summary>
internal sealed class HecEnvelope
{
    public enum EventState
    {
        Missing,
        Blank,
        Text,
    }

    public EventState State { get; private set; }

    /// <summary>The <c>event</c> string (when <see cref="State"/> is <see cref="EventState.Text"/>).</summary>
    public string Event { get; private set; } = string.Empty;

    public HecPresence Present { get; private set; }

    /// <summary>The <c>time</c> as an epoch (null when absent or not a number), as <c>ReadEpoch</c> reads it.</summary>
    public double? Time { get; private set; }

    public string? Host { get; private set; }

    public string? Source { get; private set; }

    public string? SourceType { get; private set; }

    public string? Index { get; private set; }

    /// <summary>HEC's indexed fields, in order: a string, or strings for an array.</summary>
    public List<(string Name, Value Value)> Fields { get; } = [];

    /// <summary>
    /// Reads the object the reader is on (its <c>StartObject</c>) and leaves the reader on its
    /// <c>EndObject</c>; null when the general path must read it (the caller then rewinds the reader).
    /// Throws what <see cref="Utf8JsonReader"/> throws on malformed JSON or invalid UTF-8 text.
    /// </summary>
    public static HecEnvelope? TryRead(ref Utf8JsonReader reader)
    {
        var envelope = new HecEnvelope();
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = Known(ref reader);
            if (property != 0 && (seen & property) != 0)
            {
                return null; // the same property twice: which one counts is the general path's business
            }

            seen |= property;
            reader.Read();
            if (!envelope.ReadValue(ref reader, property))
            {
                return null;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return null;
        }

        envelope.Present = new HecPresence(
            Source: (seen & SourceBit) != 0,
            SourceType: (seen & SourceTypeBit) != 0,
            Host: (seen & HostBit) != 0,
            Time: (seen & TimeBit) != 0);
        return envelope;
    }

    private const int EventBit = 1, TimeBit = 2, HostBit = 4, SourceBit = 8, SourceTypeBit = 16, IndexBit = 32, FieldsBit = 64;

    private static int Known(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("event"u8) ? EventBit
        : reader.ValueTextEquals("time"u8) ? TimeBit
        : reader.ValueTextEquals("host"u8) ? HostBit
        : reader.ValueTextEquals("source"u8) ? SourceBit
        : reader.ValueTextEquals("sourcetype"u8) ? SourceTypeBit
        : reader.ValueTextEquals("index"u8) ? IndexBit
        : reader.ValueTextEquals("fields"u8) ? FieldsBit
        : 0;

    /// <summary>Reads the value the reader is on into the property; false when the general path must read the object.</summary>
    private bool ReadValue(ref Utf8JsonReader reader, int property)
    {
        switch (property)
        {
            case EventBit:
                switch (reader.TokenType)
                {
                    case JsonTokenType.Null:
                        State = EventState.Blank;
                        return true;
                    case JsonTokenType.String:
                        Event = reader.GetString()!;
                        State = Event.Length == 0 ? EventState.Blank : EventState.Text;
                        return true;
                    default:
                        return false; // an object, a number, an array: the general path
                }

            case TimeBit:
                Time = reader.TokenType switch
                {
                    // A number too large for a double (1e400) is infinite: kept, and found out of range later.
                    JsonTokenType.Number => reader.TryGetDouble(out var d) ? d : double.PositiveInfinity,
                    JsonTokenType.String when Value.TryParseNumber(reader.GetString(), out var d) => d,
                    _ => null,
                };
                return Skip(ref reader);
            case HostBit:
                Host = Str(ref reader);
                return Skip(ref reader);
            case SourceBit:
                Source = Str(ref reader);
                return Skip(ref reader);
            case SourceTypeBit:
                SourceType = Str(ref reader);
                return Skip(ref reader);
            case IndexBit:
                Index = Str(ref reader);
                return Skip(ref reader);
            case FieldsBit:
                return reader.TokenType == JsonTokenType.StartObject ? ReadFields(ref reader) : Skip(ref reader);
            default:
                return Skip(ref reader);
        }
    }

    /// <summary>Skips a value the envelope does not use (an object or array whole); true.</summary>
    private static bool Skip(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return true;
    }

    /// <summary>A metadata property as <c>FromJson</c>'s <c>Str</c>: a scalar's text; null for null, an object or an array.</summary>
    private static string? Str(ref Utf8JsonReader reader) =>
        reader.TokenType is JsonTokenType.Null or JsonTokenType.StartObject or JsonTokenType.StartArray ? null : Scalar(ref reader);

    /// <summary>A scalar's text as <c>JsonFlattener.Scalar</c> gives it: a string's value, true, false, else the JSON text (numbers, null).</summary>
    private static string Scalar(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => Encoding.UTF8.GetString(reader.ValueSpan), // numbers and null are never escaped: their text as written
    };

    private bool ReadFields(ref Utf8JsonReader reader)
    {
        List<string>? items = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                return false; // an object's JSON text: the general path keeps it as written
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                Fields.Add((name, Value.FromString(Scalar(ref reader))));
                continue;
            }

            (items ??= []).Clear();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    return false;
                }

                items.Add(Scalar(ref reader));
            }

            Fields.Add((name, Value.FromMulti([.. items])));
        }

        return true;
    }
}

/// <summary>Which of the envelope's metadata properties were given (whatever their value): a token's default fills only those that were not.</summary>
internal readonly record struct HecPresence(bool Source, bool SourceType, bool Host, bool Time);
