using System.Collections.Concurrent;
using Escudo.Ingest.Windows;

namespace Escudo.Ingest.Xml;

/// <summary>
/// Reads one <c>&lt;Event&gt;</c> element of Windows event XML into a <see cref="WindowsEvent"/>.
/// A forgiving scanner rather than an XML parser: Splunk's add-ons read this text with regular
/// expressions, so element text is kept as written, attributes may use either quote style, and
/// malformed parts are skipped instead of failing the event.
/// </summary>
public static class WindowsXmlParser
{
    public static WindowsEvent? Parse(string xml)
    {
        var start = xml.IndexOf("<Event", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var ev = new WindowsEvent();
        var sysStart = xml.IndexOf("<System>", start, StringComparison.Ordinal);
        var sysEnd = sysStart < 0 ? -1 : xml.IndexOf("</System>", sysStart, StringComparison.Ordinal);
        if (sysStart >= 0 && sysEnd > sysStart)
        {
            // The System block stays in _raw; copying it into a field doubled per-event memory for nothing ESCU reads.
            ParseSystem(xml, sysStart + 8, sysEnd, ev);
        }

        var dataFrom = sysEnd > 0 ? sysEnd : start;
        var edStart = xml.IndexOf("<EventData", dataFrom, StringComparison.Ordinal);
        if (edStart >= 0)
        {
            var tagEnd = xml.IndexOf('>', edStart);
            if (tagEnd > 0 && xml[tagEnd - 1] != '/')
            {
                var edEnd = xml.IndexOf("</EventData>", tagEnd, StringComparison.Ordinal);
                if (edEnd < 0)
                {
                    edEnd = xml.Length;
                }

                ev.EventDataXml = xml[(tagEnd + 1)..edEnd];
                ParseEventData(xml, tagEnd + 1, edEnd, ev);
            }
        }
        else
        {
            var udStart = xml.IndexOf("<UserData>", dataFrom, StringComparison.Ordinal);
            if (udStart >= 0)
            {
                var udEnd = xml.IndexOf("</UserData>", udStart, StringComparison.Ordinal);
                if (udEnd > udStart)
                {
                    ParseLeaves(xml, udStart + 10, udEnd, ev);
                }
            }
        }

        var msg = xml.IndexOf("<Message>", dataFrom, StringComparison.Ordinal);
        if (msg >= 0)
        {
            var msgEnd = xml.IndexOf("</Message>", msg, StringComparison.Ordinal);
            if (msgEnd > msg)
            {
                ev.Message = xml[(msg + 9)..msgEnd];
            }
        }

        return ev;
    }

    private static void ParseSystem(string xml, int from, int to, WindowsEvent ev)
    {
        var i = from;
        while (i < to)
        {
            var lt = xml.IndexOf('<', i, to - i);
            if (lt < 0)
            {
                break;
            }

            var nameEnd = lt + 1;
            while (nameEnd < to && (char.IsAsciiLetterOrDigit(xml[nameEnd]) || xml[nameEnd] == '_'))
            {
                nameEnd++;
            }

            var name = xml.AsSpan(lt + 1, nameEnd - lt - 1);
            var gt = xml.IndexOf('>', nameEnd, to - nameEnd);
            if (gt < 0)
            {
                break;
            }

            var selfClosing = xml[gt - 1] == '/';
            var attrs = xml.AsSpan(nameEnd, gt - nameEnd - (selfClosing ? 1 : 0));
            string? text = null;
            var next = gt + 1;
            if (!selfClosing)
            {
                var close = xml.IndexOf("</", gt + 1, to - gt - 1, StringComparison.Ordinal);
                if (close >= 0)
                {
                    text = name is "EventID" or "Version" or "Level" or "Task" or "Opcode" or "Keywords" or "Channel"
                        ? Recurring(xml.AsSpan(gt + 1, close - gt - 1))
                        : xml[(gt + 1)..close];
                    next = xml.IndexOf('>', close) + 1;
                    if (next <= 0)
                    {
                        next = to;
                    }
                }
            }

            SetSystemProperty(ev, name, attrs, text);

            i = next;
        }
    }

    /// <summary>
    /// Sets the WindowsEvent property that one child element of System carries (its text, or an
    /// attribute), as both the text parser and the EVTX event builder read them.
    /// </summary>
    internal static void SetSystemProperty(WindowsEvent ev, ReadOnlySpan<char> name, ReadOnlySpan<char> attrs, string? text)
    {
        switch (name)
        {
            case "Provider":
                ev.Provider = Attr(attrs, "Name");
                ev.ProviderGuid = Attr(attrs, "Guid");
                ev.EventSourceName = Attr(attrs, "EventSourceName");
                break;
            case "EventID":
                ev.EventId = text;
                ev.Qualifiers = Attr(attrs, "Qualifiers");
                break;
            case "Version": ev.Version = text; break;
            case "Level": ev.Level = text; break;
            case "Task": ev.Task = text; break;
            case "Opcode": ev.Opcode = text; break;
            case "Keywords": ev.Keywords = text; break;
            case "TimeCreated": ev.SystemTime = Attr(attrs, "SystemTime"); break;
            case "EventRecordID": ev.EventRecordId = text; break;
            case "Correlation":
                ev.ActivityId = Attr(attrs, "ActivityID");
                ev.RelatedActivityId = Attr(attrs, "RelatedActivityID");
                break;
            case "Execution":
                ev.ProcessId = Attr(attrs, "ProcessID");
                ev.ThreadId = Attr(attrs, "ThreadID");
                break;
            case "Channel": ev.Channel = text; break;
            case "Computer": ev.Computer = text; break;
            case "Security": ev.UserId = Attr(attrs, "UserID"); break;
        }
    }

    /// <summary>Reads <c>Name='x'</c> or <c>Name="x"</c> from an attribute list.</summary>
    public static string? Attr(ReadOnlySpan<char> attrs, string name) => TryAttr(attrs, name, out var value) ? value.ToString() : null;

    /// <summary>The value of <c>Name='x'</c> or <c>Name="x"</c> in an attribute list, as a slice of it.</summary>
    private static bool TryAttr(ReadOnlySpan<char> attrs, string name, out ReadOnlySpan<char> value)
    {
        value = default;
        var pos = 0;
        while (pos < attrs.Length)
        {
            var idx = attrs[pos..].IndexOf(name, StringComparison.Ordinal);
            if (idx < 0)
            {
                return false;
            }

            idx += pos;
            var after = idx + name.Length;
            var beforeOk = idx == 0 || char.IsWhiteSpace(attrs[idx - 1]);
            var j = after;
            while (j < attrs.Length && attrs[j] == ' ')
            {
                j++;
            }

            if (beforeOk && j < attrs.Length && attrs[j] == '=')
            {
                j++;
                while (j < attrs.Length && attrs[j] == ' ')
                {
                    j++;
                }

                if (j < attrs.Length && (attrs[j] == '\'' || attrs[j] == '"'))
                {
                    var q = attrs[j];
                    var end = attrs[(j + 1)..].IndexOf(q);
                    if (end >= 0)
                    {
                        value = attrs.Slice(j + 1, end);
                        return true;
                    }
                }

                return false;
            }

            pos = after;
        }

        return false;
    }

    /// <summary>
    /// Data item names and System values with few distinct values (EventID, Level, Channel...)
    /// already seen, so that each event's are not new strings (a Sysmon event has about thirty; the
    /// same few hundred recur across a whole log). Bounded: a hostile input of endless new names
    /// gets them as new strings once the table is full.
    /// </summary>
    private static readonly ConcurrentDictionary<string, string> KnownNames = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> KnownNameLookup = KnownNames.GetAlternateLookup<ReadOnlySpan<char>>();

    private const int MaxKnownNames = 4096;

    /// <summary>The text as a string: the one kept for it when it was seen before.</summary>
    internal static string Recurring(ReadOnlySpan<char> value)
    {
        if (KnownNameLookup.TryGetValue(value, out var known))
        {
            return known;
        }

        var text = value.ToString();
        if (KnownNames.Count < MaxKnownNames)
        {
            KnownNames.TryAdd(text, text);
        }

        return text;
    }

    private static void ParseEventData(string xml, int from, int to, WindowsEvent ev)
    {
        var i = from;
        while (i < to)
        {
            var lt = xml.IndexOf("<Data", i, to - i, StringComparison.Ordinal);
            if (lt < 0)
            {
                // Some providers write other element names (Binary): keep them as leaves.
                ParseLeaves(xml, i, to, ev);
                return;
            }

            if (lt > i)
            {
                ParseLeaves(xml, i, lt, ev);
            }

            var gt = xml.IndexOf('>', lt, to - lt);
            if (gt < 0)
            {
                return;
            }

            var selfClosing = xml[gt - 1] == '/';
            var attrs = xml.AsSpan(lt + 5, gt - lt - 5 - (selfClosing ? 1 : 0));
            var name = TryAttr(attrs, "Name", out var nameText) ? Recurring(nameText) : null;
            if (selfClosing)
            {
                ev.Data.Add(new(name, string.Empty));
                i = gt + 1;
                continue;
            }

            var close = xml.IndexOf("</Data>", gt + 1, to - gt - 1, StringComparison.Ordinal);
            if (close < 0)
            {
                close = to;
            }

            ev.Data.Add(new(name, xml[(gt + 1)..close]));
            i = close + 7;
        }
    }

    /// <summary>Every leaf element (no child elements) becomes a name/value item, as Splunk's xml_kv extraction does for UserData.</summary>
    private static void ParseLeaves(string xml, int from, int to, WindowsEvent ev)
    {
        var i = from;
        while (i < to)
        {
            var lt = xml.IndexOf('<', i, to - i);
            if (lt < 0 || lt + 1 >= to)
            {
                return;
            }

            if (xml[lt + 1] is '/' or '?' or '!')
            {
                i = lt + 2;
                continue;
            }

            var nameEnd = lt + 1;
            while (nameEnd < to && xml[nameEnd] is not (' ' or '>' or '/' or '\t' or '\n' or '\r'))
            {
                nameEnd++;
            }

            var name = xml.AsSpan(lt + 1, nameEnd - lt - 1);
            var gt = xml.IndexOf('>', nameEnd, to - nameEnd);
            if (gt < 0)
            {
                return;
            }

            if (xml[gt - 1] == '/')
            {
                i = gt + 1;
                continue;
            }

            var nextLt = xml.IndexOf('<', gt + 1, to - gt - 1);
            if (nextLt >= 0 && nextLt + 1 < to && xml[nextLt + 1] == '/')
            {
                var colon = name.IndexOf(':');
                ev.Data.Add(new(Recurring(colon >= 0 ? name[(colon + 1)..] : name), xml[(gt + 1)..nextLt]));
                i = xml.IndexOf('>', nextLt) + 1;
                if (i <= 0)
                {
                    return;
                }

                continue;
            }

            i = gt + 1;
        }
    }
}
