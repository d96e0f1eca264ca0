using Escudo.Ingest.Windows;

namespace Escudo.Ingest.Evtx;

/// <summary>One event record of an EVTX file.</summary>
internal sealed class EvtxRecord
{
    internal EvtxRecord(ulong recordId, DateTime timestamp, string xml, long fileOffset, WindowsEvent? windowsEvent = null, bool eventFromText = false)
    {
        RecordId = recordId;
        Timestamp = timestamp;
        Xml = xml;
        FileOffset = fileOffset;
        Event = windowsEvent;
        EventFromText = eventFromText;
    }

    /// <summary>
    /// The Windows fields of the event when read with <see cref="EvtxReadOptions.WindowsEvents"/>
    /// (the same as parsing <see cref="Xml"/>); null otherwise or when the XML has no Event element.
    /// </summary>
    public WindowsEvent? Event { get; }

    /// <summary>The event's shape was unusual enough that <see cref="Event"/> was parsed from the XML text.</summary>
    internal bool EventFromText { get; }

    /// <summary>Event record identifier from the record header.</summary>
    public ulong RecordId { get; }

    /// <summary>Record header FILETIME (when the record was written), UTC.</summary>
    public DateTime Timestamp { get; }

    /// <summary>
    /// The event as XML on one line, as Windows renders it (Splunk's XmlWinEventLog style):
    /// single-quoted attributes, empty elements self-closed. Text values keep their own line breaks.
    /// </summary>
    public string Xml { get; }

    /// <summary>Byte offset of the record in the file.</summary>
    public long FileOffset { get; }

    /// <summary>The XML with attribute values in single quotes (as <see cref="Xml"/>) or in double quotes.</summary>
    public string ToXml(bool doubleQuoted) => doubleQuoted ? EvtxQuotes.ToDoubleQuoted(Xml) : Xml;

    public override string ToString() => Xml;
}

internal static class EvtxQuotes
{
    /// <summary>Rewrites single-quoted attributes as double-quoted ones (tags only, not text).</summary>
    public static string ToDoubleQuoted(string xml)
    {
        var sb = new System.Text.StringBuilder(xml.Length + 16);
        var inTag = false;
        var inValue = false;
        foreach (var ch in xml)
        {
            if (inValue)
            {
                if (ch == '\'')
                {
                    inValue = false;
                    sb.Append('"');
                }
                else if (ch == '"')
                {
                    sb.Append("&quot;");
                }
                else
                {
                    sb.Append(ch);
                }

                continue;
            }

            if (inTag)
            {
                if (ch == '\'')
                {
                    inValue = true;
                    sb.Append('"');
                    continue;
                }

                if (ch == '>')
                {
                    inTag = false;
                }
            }
            else if (ch == '<')
            {
                inTag = true;
            }

            sb.Append(ch);
        }

        return sb.ToString();
    }
}
