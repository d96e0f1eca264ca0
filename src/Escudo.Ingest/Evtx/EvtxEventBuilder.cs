using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;

namespace Escudo.Ingest.Evtx;

/// <summary>
/// Builds the <see cref="WindowsEvent"/> of a rendered EVTX record from the element spans the
/// renderer recorded, cutting values out of the XML it wrote instead of scanning that XML again.
/// The result must equal <see cref="WindowsXmlParser.Parse"/> on the same text, including that
/// scanner's conventions (first match wins, values keep their escapes, UserData and non-Data
/// EventData items are leaf elements). Shapes where the scanner's text search and the element
/// tree could disagree (CDATA, nested or repeated System/EventData/UserData/Message elements,
/// Data elements with children, System children with children) return null, and the caller
/// parses the text instead, so those rare events still come out the same.
/// </summary>
internal static class EvtxEventBuilder
{
    public static WindowsEvent? TryBuild(string xml, ReadOnlySpan<ElementSpan> spans, bool unusual)
    {
        if (unusual || spans.IsEmpty)
        {
            return null;
        }

        // Spans of dropped elements describe nothing in the text; the renderer drops only
        // childless elements, so leaving them out keeps the tree intact.
        foreach (ref readonly var s in spans)
        {
            if (s.Dropped)
            {
                var kept = new List<ElementSpan>(spans.Length);
                foreach (ref readonly var k in spans)
                {
                    if (!k.Dropped)
                    {
                        kept.Add(k);
                    }
                }

                return Build(xml, kept.ToArray());
            }
        }

        return Build(xml, spans);
    }

    private static WindowsEvent? Build(string xml, ReadOnlySpan<ElementSpan> spans)
    {
        if (spans.IsEmpty || spans[0].Name != "Event" || spans[0].TagStart != 0)
        {
            return null;
        }

        int system = -1, eventData = -1, userData = -1, message = -1;
        int systemCount = 0, eventDataCount = 0, userDataCount = 0, messageCount = 0;
        for (var i = 0; i < spans.Length; i++)
        {
            var name = spans[i].Name;
            if (name.StartsWith("System", StringComparison.Ordinal) && name.Length == 6)
            {
                systemCount++;
                if (system < 0 && !spans[i].HasAttributes && !spans[i].SelfClosed)
                {
                    system = i;
                }
            }
            else if (name.StartsWith("EventData", StringComparison.Ordinal))
            {
                eventDataCount++;
            }
            else if (name == "UserData")
            {
                userDataCount++;
            }
            else if (name == "Message")
            {
                messageCount++;
            }
        }

        // One of each at most: with repeats, "first start tag" and "first end tag" (what the
        // text scanner pairs up) can belong to different elements.
        if (systemCount > 1 || eventDataCount > 1 || userDataCount > 1 || messageCount > 1)
        {
            return null;
        }

        // Every element at most is a data item: one list, never grown.
        var ev = new WindowsEvent { Data = new(spans.Length) };
        var dataFrom = 0;
        if (system >= 0)
        {
            if (!ReadSystem(xml, spans, system, ev))
            {
                return null;
            }

            dataFrom = spans[system].ContentEnd;
        }

        for (var i = 0; i < spans.Length; i++)
        {
            if (spans[i].TagStart < dataFrom)
            {
                continue;
            }

            var name = spans[i].Name;
            if (eventData < 0 && name.StartsWith("EventData", StringComparison.Ordinal))
            {
                if (name.Length != 9)
                {
                    return null;
                }

                eventData = i;
            }
            else if (userData < 0 && name == "UserData" && !spans[i].HasAttributes && !spans[i].SelfClosed)
            {
                userData = i;
            }
            else if (message < 0 && name == "Message" && !spans[i].HasAttributes && !spans[i].SelfClosed)
            {
                message = i;
            }
        }

        if (eventData >= 0)
        {
            if (!spans[eventData].SelfClosed && !ReadEventData(xml, spans, eventData, ev))
            {
                return null;
            }
        }
        else if (userData >= 0)
        {
            ReadLeaves(xml, spans, userData, ev);
        }

        if (message >= 0)
        {
            ev.Message = Content(xml, spans[message]);
        }

        return ev;
    }

    private static string Content(string xml, in ElementSpan s) => xml[s.ContentStart..s.ContentEnd];

    private static bool ReadSystem(string xml, ReadOnlySpan<ElementSpan> spans, int system, WindowsEvent ev)
    {
        var depth = spans[system].Depth;
        for (var i = system + 1; i < spans.Length && spans[i].Depth > depth; i++)
        {
            ref readonly var s = ref spans[i];
            if (s.Depth != depth + 1 || s.Children > 0)
            {
                return false; // the scanner reads System as a flat list of leaves
            }

            // The scanner's element name is the leading run of letters, digits and '_'; the
            // attributes are whatever follows it up to the tag end.
            var nameEnd = 0;
            while (nameEnd < s.Name.Length && (char.IsAsciiLetterOrDigit(s.Name[nameEnd]) || s.Name[nameEnd] == '_'))
            {
                nameEnd++;
            }

            var attrs = xml.AsSpan(s.TagStart + 1 + nameEnd, s.TagEnd - s.TagStart - 1 - nameEnd);
            var text = s.SelfClosed ? null : Content(xml, s);
            WindowsXmlParser.SetSystemProperty(ev, s.Name.AsSpan(0, nameEnd), attrs, text);
        }

        return true;
    }

    /// <summary>Data items by their Name attribute, other leaf elements by their local name, in document order.</summary>
    private static bool ReadEventData(string xml, ReadOnlySpan<ElementSpan> spans, int eventData, WindowsEvent ev)
    {
        ref readonly var ed = ref spans[eventData];
        ev.EventDataXml = Content(xml, ed);
        for (var i = eventData + 1; i < spans.Length && spans[i].Depth > ed.Depth; i++)
        {
            ref readonly var s = ref spans[i];
            if (s.Name.StartsWith("Data", StringComparison.Ordinal))
            {
                // The scanner looks for "<Data" anywhere and reads up to the next "</Data>":
                // only a direct, childless <Data> reads the same as the element.
                if (s.Name.Length != 4 || s.Depth != ed.Depth + 1 || s.Children > 0)
                {
                    return false;
                }

                var name = WindowsXmlParser.Attr(xml.AsSpan(s.TagStart + 5, s.TagEnd - s.TagStart - 5), "Name");
                ev.Data.Add(new(name, s.SelfClosed ? string.Empty : Content(xml, s)));
            }
            else if (!s.SelfClosed && s.Children == 0)
            {
                ev.Data.Add(new(LocalName(s.Name), Content(xml, s)));
            }
        }

        return true;
    }

    /// <summary>Every leaf element under <paramref name="parent"/> (with an end tag, no child elements) as local name and text.</summary>
    private static void ReadLeaves(string xml, ReadOnlySpan<ElementSpan> spans, int parent, WindowsEvent ev)
    {
        var depth = spans[parent].Depth;
        for (var i = parent + 1; i < spans.Length && spans[i].Depth > depth; i++)
        {
            ref readonly var s = ref spans[i];
            if (!s.SelfClosed && s.Children == 0)
            {
                ev.Data.Add(new(LocalName(s.Name), Content(xml, s)));
            }
        }
    }

    private static string LocalName(string name)
    {
        var colon = name.IndexOf(':');
        return colon >= 0 ? name[(colon + 1)..] : name;
    }
}
