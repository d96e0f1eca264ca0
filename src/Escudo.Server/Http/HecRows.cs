using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Ingest.Xml;
using Escudo.Server.Storage;

namespace Escudo.Server.Http;

/// <summary>
/// Rows from HEC events whose text is the event (an <c>/event</c> string read by
/// <see cref="HecEnvelope"/>), made as <c>JsonEventReader.FromJson</c> makes them, with a token's
/// defaults; a Windows XML event's row carries its <see cref="XmlRowRecipe"/> to the store.
/// </summary>
internal static class HecRows
{
    public static Row FromText(HecEnvelope envelope, TokenConfig token, double now)
    {
        var index = envelope.Index ?? (token.Index ?? "main").ToLowerInvariant();
        var text = envelope.Event;
        var xml = text.Contains("<Event", StringComparison.Ordinal) ? WindowsXmlParser.Parse(text) : null;
        XmlRowRecipe? recipe = null;
        Row row;
        if (xml?.EventId is not null)
        {
            recipe = new XmlRowRecipe(envelope.Source, envelope.SourceType, envelope.Host, index);
            row = recipe.Map(xml, text);
        }
        else
        {
            row = PlainRow(text, envelope.Source, envelope.SourceType, envelope.Host, index);
        }

        // HEC's indexed fields, then the event's time: set after the event's own, as FromJson does.
        foreach (var (name, value) in envelope.Fields)
        {
            Set(row, recipe, FieldTable.Intern(name), value);
        }

        if (envelope.Time is { } time)
        {
            Set(row, recipe, FieldTable.Time, Value.FromNumber(time));
        }

        ApplyTokenDefaults(row, envelope.Present, token, now, recipe);
        recipe?.Attach(row);
        return row;
    }

    /// <summary>A line of text that is not a Windows event, with the envelope's metadata or HEC's defaults (as <c>JsonEventReader</c>'s plain row).</summary>
    private static Row PlainRow(string text, string? source, string? sourceType, string? host, string index)
    {
        var row = new Row(8);
        row.Set(FieldTable.Time, Value.FromNumber(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0));
        row.Set(FieldTable.Host, Value.FromString(host ?? "unknown"));
        row.Set(FieldTable.Source, Value.FromString(source ?? "http:escudo"));
        row.Set(FieldTable.SourceType, Value.FromString(sourceType ?? "httpevent"));
        row.Set(FieldTable.Index, Value.FromString(index));
        row.Set(FieldTable.Raw, Value.FromString(text));
        return row;
    }

    /// <summary>
    /// A token's source, sourcetype and host for an event that names none, the request's time for
    /// one with no time at all, and the index in lower case (Splunk's index names are).
    /// </summary>
    public static void ApplyTokenDefaults(Row row, HecPresence present, TokenConfig token, double now, XmlRowRecipe? recipe)
    {
        if (token.Source is { } s && !present.Source)
        {
            Set(row, recipe, FieldTable.Source, Value.FromString(s));
        }

        if (token.SourceType is { } st && !present.SourceType)
        {
            Set(row, recipe, FieldTable.SourceType, Value.FromString(st));
        }

        if (token.Host is { } h && !present.Host)
        {
            Set(row, recipe, FieldTable.Host, Value.FromString(h));
        }

        if (!present.Time && row.Get(FieldTable.Time).IsNull)
        {
            Set(row, recipe, FieldTable.Time, Value.FromNumber(now));
        }

        if (row.Get(FieldTable.Index).FirstString() is { } idx && idx != idx.ToLowerInvariant())
        {
            Set(row, recipe, FieldTable.Index, Value.FromString(idx.ToLowerInvariant()));
        }
    }

    /// <summary>Sets a field, through the recipe when the row has one (so reading it back sets it again).</summary>
    public static void Set(Row row, XmlRowRecipe? recipe, int id, Value value)
    {
        if (recipe is null)
        {
            row.Set(id, value);
        }
        else
        {
            recipe.Set(row, id, value);
        }
    }
}
