namespace Escudo.Ingest.Windows;

/// <summary>
/// A Windows event as the XmlWinEventLog text gives it: System properties and the EventData (or
/// UserData) items in document order. Values are the text between the tags, XML escapes kept as
/// Splunk's regex extractions keep them (ESCU searches match <c>&amp;gt;</c> literally).
/// </summary>
public sealed class WindowsEvent
{
    public string? Provider { get; set; }

    public string? ProviderGuid { get; set; }

    public string? EventSourceName { get; set; }

    public string? EventId { get; set; }

    public string? Qualifiers { get; set; }

    public string? Version { get; set; }

    public string? Level { get; set; }

    public string? Task { get; set; }

    public string? Opcode { get; set; }

    public string? Keywords { get; set; }

    public string? SystemTime { get; set; }

    public string? EventRecordId { get; set; }

    public string? ActivityId { get; set; }

    public string? RelatedActivityId { get; set; }

    public string? ProcessId { get; set; }

    public string? ThreadId { get; set; }

    public string? Channel { get; set; }

    public string? Computer { get; set; }

    public string? UserId { get; set; }

    /// <summary>EventData/UserData items in order; unnamed Data elements get no name.</summary>
    public List<KeyValuePair<string?, string>> Data { get; init; } = [];

    /// <summary>The inner XML of the System element (Splunk's System_Props_Xml).</summary>
    public string? SystemXml { get; set; }

    /// <summary>The inner XML of EventData (Splunk's EventData_Xml).</summary>
    public string? EventDataXml { get; set; }

    /// <summary>RenderingInfo/Message text when present (forwarded events carry it).</summary>
    public string? Message { get; set; }
}
