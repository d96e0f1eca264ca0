using Escudo.Ingest.Windows;

namespace Escudo.Ingest.Json;

/// <summary>
/// What <see cref="Xml.WindowsXmlParser"/> reads back from the XmlWinEventLog that
/// <see cref="JsonEventReader.RenderXml(WindowsEvent)"/> writes for an event read from JSON, built
/// straight from the event: each value escaped as it was rendered, elements and attributes as the
/// parser finds them. Parsing the rendered text back took a third of a zipped JSON line's mapping;
/// the result is the same because every rendered value is escaped, so no value holds the markup
/// (<c>&lt;</c>, <c>&gt;</c>, a quote) the parser looks for.
/// </summary>
internal static class RenderedWindowsEvent
{
    /// <summary>The closing tags after the last EventData item.</summary>
    private const string Tail = "</EventData></Event>";

    /// <summary>
    /// The event as parsing <paramref name="xml"/> gives it, or null when that cannot be said
    /// without parsing: an attribute value holding <c>=</c> can make the parser's attribute scan
    /// (<see cref="Xml.WindowsXmlParser.Attr"/>) take text inside one value for another attribute.
    /// </summary>
    /// <param name="w">The event as read from JSON.</param>
    /// <param name="xml">Its rendering.</param>
    /// <param name="eventDataStart">Where EventData's inner XML starts in <paramref name="xml"/>.</param>
    public static WindowsEvent? From(WindowsEvent w, string xml, int eventDataStart)
    {
        if (NeedsParse(w) || !xml.EndsWith(Tail, StringComparison.Ordinal) || eventDataStart > xml.Length - Tail.Length)
        {
            return null;
        }

        var e = Escape(w);
        e.EventDataXml = xml[eventDataStart..^Tail.Length];
        return e;
    }

    /// <summary>
    /// True when the parse of the rendering cannot be built without parsing: an attribute value
    /// holding <c>=</c> can make the parser's attribute scan (<see cref="Xml.WindowsXmlParser.Attr"/>)
    /// take text inside one value for another attribute.
    /// </summary>
    public static bool NeedsParse(WindowsEvent w) =>
        HasEquals(w.Provider) || HasEquals(w.ProviderGuid) || HasEquals(w.SystemTime) || HasEquals(w.ActivityId)
        || HasEquals(w.RelatedActivityId) || HasEquals(w.ProcessId) || HasEquals(w.ThreadId) || HasEquals(w.UserId);

    /// <summary>
    /// The event with every value escaped as <see cref="JsonEventReader.RenderXml(WindowsEvent)"/>
    /// writes it (attributes and element text each their way), and with what the rendering writes
    /// for a missing value (an empty provider or event id, both ids of an Execution element): the
    /// rendering is written from this event, and the fields are this event, so each value is
    /// escaped once for both. EventDataXml is left for the caller, who has the rendering.
    /// </summary>
    public static WindowsEvent Escape(WindowsEvent w)
    {
        // An Execution element is written when either id is known, and then carries both.
        var execution = w.ProcessId is not null || w.ThreadId is not null;
        var e = new WindowsEvent
        {
            Provider = Attribute(w.Provider ?? string.Empty),
            ProviderGuid = AttributeOrNull(w.ProviderGuid),
            EventId = Attribute(w.EventId ?? string.Empty),
            Version = TextOrNull(w.Version),
            Level = TextOrNull(w.Level),
            Task = TextOrNull(w.Task),
            Opcode = TextOrNull(w.Opcode),
            Keywords = TextOrNull(w.Keywords),
            SystemTime = AttributeOrNull(w.SystemTime),
            EventRecordId = TextOrNull(w.EventRecordId),
            ActivityId = AttributeOrNull(w.ActivityId),
            RelatedActivityId = AttributeOrNull(w.RelatedActivityId),
            ProcessId = execution ? Attribute(w.ProcessId ?? string.Empty) : null,
            ThreadId = execution ? Attribute(w.ThreadId ?? string.Empty) : null,
            Channel = TextOrNull(w.Channel),
            Computer = TextOrNull(w.Computer),
            UserId = AttributeOrNull(w.UserId),

            // Sized once: growing it by doubling showed in the profile of a hunt.
            Data = new(w.Data.Count),
        };
        foreach (var (name, value) in w.Data)
        {
            // An empty value is written as a self-closing item, which the parser reads as empty.
            e.Data.Add(new(Attribute(name ?? string.Empty), value.Length == 0 ? string.Empty : JsonEventReader.EscapeXml(value, text: true)));
        }

        return e;
    }

    private static bool HasEquals(string? value) => value is not null && value.Contains('=', StringComparison.Ordinal);

    private static string Attribute(string value) => JsonEventReader.EscapeXml(value);

    private static string? AttributeOrNull(string? value) => value is null ? null : JsonEventReader.EscapeXml(value);

    private static string? TextOrNull(string? value) => value is null ? null : JsonEventReader.EscapeXml(value, text: true);
}
