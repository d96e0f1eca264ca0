using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;

namespace Escudo.Server.Storage;

/// <summary>
/// Decodes only the fields a search reads (<see cref="Core.Storage.ScanRequest.Fields"/>) of a stored
/// row, each with the value a full decode gives it. A <see cref="RowCodec"/> object skips the
/// others. A row stored as an <see cref="XmlRowRecipe"/> is not mapped at all when every field
/// wanted is one the mapper takes from the recipe and the System block (<c>_time host source
/// sourcetype index EventCode Channel</c>) and nothing after the System block can name one of them
/// (an EventData or UserData item of that name would join it into a multivalue); otherwise it is
/// decoded in full, which is only more than asked. <c>Channel</c> is always decoded: the row's
/// provenance (<see cref="StoreOrigins"/>) names it.
/// </summary>
internal sealed class StoredFieldSubset
{
    private static readonly int ChannelId = FieldTable.Intern("Channel");
    private static readonly int EventCodeId = FieldTable.Intern("EventCode");

    /// <summary>The fields the mapper sets from the recipe and the System block only, and no add-on rule sets.</summary>
    private static readonly HashSet<int> FromSystem = [FieldTable.Time, FieldTable.Host, FieldTable.Source, FieldTable.SourceType, FieldTable.Index, EventCodeId, ChannelId];

    private readonly HashSet<int> _ids;
    private readonly string[] _names;
    private readonly bool _recipeWithoutMapping;
    private readonly List<string> _items = [];

    public StoredFieldSubset(IReadOnlySet<string> fields)
    {
        _ids = [.. fields.Select(FieldTable.Intern), ChannelId];
        _ids.Remove(FieldTable.Raw); // never asked for (the planner gives null instead); kept out so a recipe row would not be skipped wrongly
        _names = [.. _ids.Select(FieldTable.NameOf)];
        _recipeWithoutMapping = _ids.IsSubsetOf(FromSystem);
    }

    /// <summary>The row with the wanted fields (or, when a recipe must be mapped, all of them).</summary>
    public Row Decode(string fields, string? raw)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(fields);
        if (!XmlRowRecipe.IsRecipe(bytes))
        {
            return DecodeObject(bytes);
        }

        return _recipeWithoutMapping && FromRecipe(bytes, raw) is { } row ? row : XmlRowRecipe.Decode(bytes, raw);
    }

    private Row DecodeObject(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes);
        var row = new Row(_ids.Count);
        reader.Read(); // StartObject
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var id = FieldTable.Intern(reader.GetString()!);
            reader.Read();
            if (!_ids.Contains(id))
            {
                reader.Skip();
                continue;
            }

            if (RowCodec.ReadValue(ref reader, _items) is { IsNull: false } value)
            {
                row.Append(id, value);
            }
        }

        return row;
    }

    /// <summary>The wanted fields of a recipe row as <see cref="WindowsEventMapper.ToRow"/> and the recipe's edits set them; null when the mapping is needed.</summary>
    private Row? FromRecipe(byte[] bytes, string? raw)
    {
        var systemEnd = raw?.IndexOf("</System>", StringComparison.Ordinal) ?? -1;
        if (raw is null || systemEnd < 0 || NamesAfter(raw, systemEnd))
        {
            return null;
        }

        var reader = new Utf8JsonReader(bytes);
        reader.Read(); // StartArray
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var version) || version != XmlRowRecipe.Version)
        {
            return null; // the full decode says what is wrong
        }

        var source = NextString(ref reader);
        var sourceType = NextString(ref reader);
        var host = NextString(ref reader);
        var index = NextString(ref reader) ?? "main";

        // Only the System block: the same parser on the same text gives the same System values.
        var ev = WindowsXmlParser.Parse(raw[..(systemEnd + 9)]);
        if (ev?.EventId is null)
        {
            return null;
        }

        var channel = ev.Channel ?? string.Empty;
        var row = new Row(_ids.Count + 2);
        if (_ids.Contains(FieldTable.Time) && WindowsEventMapper.ParseSystemTime(ev.SystemTime) is { } t)
        {
            row.Append(FieldTable.Time, Value.FromNumber(t));
        }

        AppendIfWanted(row, FieldTable.Host, hostOverride: host, ev.Computer ?? "unknown");
        AppendIfWanted(row, FieldTable.Source, source, "XmlWinEventLog:" + channel);
        AppendIfWanted(row, FieldTable.SourceType, sourceType, "XmlWinEventLog");
        AppendIfWanted(row, FieldTable.Index, index, index);
        if (_ids.Contains(EventCodeId) && !string.IsNullOrEmpty(ev.EventId))
        {
            row.Set(EventCodeId, Value.FromString(ev.EventId));
        }

        if (!string.IsNullOrEmpty(ev.Channel))
        {
            row.Set(ChannelId, Value.FromString(ev.Channel));
        }

        reader.Read(); // StartArray of edits, applied in order as XmlRowRecipe.Decode does
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            var id = FieldTable.Intern(reader.GetString()!);
            reader.Read();
            var value = RowCodec.ReadValue(ref reader, _items);
            if (_ids.Contains(id))
            {
                row.Set(id, value);
            }
        }

        return row;
    }

    private void AppendIfWanted(Row row, int id, string? hostOverride, string otherwise)
    {
        if (_ids.Contains(id))
        {
            row.Append(id, Value.FromString(hostOverride ?? otherwise));
        }
    }

    /// <summary>
    /// Whether the text after the System block could name a wanted field: the parser takes EventData
    /// names from a quoted <c>Name</c> attribute and UserData names from element names (a prefix
    /// dropped), both as written, so such an item shows its name right after a quote, <c>&lt;</c> or <c>:</c>.
    /// </summary>
    private bool NamesAfter(string raw, int from)
    {
        foreach (var name in _names)
        {
            for (var at = raw.IndexOf(name, from, StringComparison.Ordinal); at >= 0; at = raw.IndexOf(name, at + 1, StringComparison.Ordinal))
            {
                if (at > 0 && raw[at - 1] is '\'' or '"' or '<' or ':')
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string? NextString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
    }
}
