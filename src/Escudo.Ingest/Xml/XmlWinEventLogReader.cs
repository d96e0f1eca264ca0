using System.Text;
using Escudo.Core.Events;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Windows;

namespace Escudo.Ingest.Xml;

/// <summary>
/// Reads XmlWinEventLog text: one <c>&lt;Event ...&gt;...&lt;/Event&gt;</c> per line as Splunk
/// exports it (and ESCU attack datasets store it), or pretty-printed across lines as evtxexport
/// writes it. Streams line by line; an event is everything from <c>&lt;Event</c> to
/// <c>&lt;/Event&gt;</c>, outside CDATA sections. An event cut short (no <c>&lt;/Event&gt;</c>
/// before the next <c>&lt;Event</c> or the end of the file) is reported and read as far as it
/// goes, as Splunk indexes such a line; it never swallows the event after it.
/// </summary>
internal static class XmlWinEventLogReader
{
    private const string EventEnd = "</Event>";
    private const string CdataStart = "<![CDATA[";
    private const string CdataEnd = "]]>";

    public static IEnumerable<Row> Read(TextReader reader, string name, EventReadOptions options, Action<IngestProblem>? problems)
    {
        // Splitting is sequential (an event spans lines); parsing and mapping run on all threads, in order.
        var mapped = OrderedParallel.Map(SplitEvents(reader, name, problems, options.MaxEventChars), e =>
        {
            var ev = WindowsXmlParser.Parse(e.Text);
            return ev?.EventId is null ? (null, e.Line) : (WindowsEventMapper.ToRow(ev, e.Text, options.Source, options.SourceType, options.Host, options.Index), e.Line);
        }, options.ThreadCount);
        foreach (var (row, line) in mapped)
        {
            if (row is null)
            {
                problems?.Invoke(new IngestProblem(name, line, "XmlWinEventLog event", "no <EventID> found; event skipped"));
                continue;
            }

            yield return row;
        }
    }

    /// <summary>Splits text into event strings with the line number each starts on.</summary>
    public static IEnumerable<(string Text, long Line)> SplitEvents(TextReader reader, string name, Action<IngestProblem>? problems) =>
        SplitEvents(reader, name, problems, EventReadOptions.DefaultMaxEventChars);

    internal static IEnumerable<(string Text, long Line)> SplitEvents(TextReader reader, string name, Action<IngestProblem>? problems, int maxEventChars)
    {
        var lines = new BoundedLineReader(reader, maxEventChars);
        StringBuilder? current = null;
        long startLine = 0;
        var inCdata = false;
        while (lines.Next(out var line, out var skipped))
        {
            var lineNo = lines.LineNumber;
            if (line is null)
            {
                problems?.Invoke(LineTooLong(name, lineNo, skipped, maxEventChars, current is not null ? startLine : null));
                (current, inCdata) = (null, false);
                continue;
            }

            var pos = 0;
            while (pos < line.Length)
            {
                if (inCdata)
                {
                    inCdata = ContinueCdata(line, ref pos, current!);
                    if (inCdata)
                    {
                        break;
                    }

                    continue;
                }

                var contentFrom = pos;
                if (current is null)
                {
                    var start = FindEventStart(line, pos);
                    if (start < 0)
                    {
                        break;
                    }

                    // The common case, one whole event on its line with no CDATA and no other
                    // event start inside: no copy through a builder.
                    if (WholeEventAt(line, start) is var close and >= 0)
                    {
                        yield return (start == 0 && close + EventEnd.Length == line.Length ? line : line.Substring(start, close + EventEnd.Length - start), lineNo);
                        pos = close + EventEnd.Length;
                        continue;
                    }

                    current = new StringBuilder();
                    startLine = lineNo;
                    pos = start;
                    contentFrom = start + 6; // past this event's own "<Event"
                }

                var end = line.IndexOf(EventEnd, contentFrom, StringComparison.Ordinal);
                var cdata = line.IndexOf(CdataStart, contentFrom, StringComparison.Ordinal);
                var next = FindEventStart(line, contentFrom);
                if (cdata >= 0 && (end < 0 || cdata < end) && (next < 0 || cdata < next))
                {
                    current.Append(line, pos, cdata + CdataStart.Length - pos);
                    pos = cdata + CdataStart.Length;
                    inCdata = true;
                    continue;
                }

                // The event ends at its </Event>, or, when a new event starts first, is cut short there.
                var cut = next >= 0 && (end < 0 || next < end);
                if (cut || end >= 0)
                {
                    var stop = cut ? next : end + EventEnd.Length;
                    current.Append(line, pos, stop - pos);
                    if (cut)
                    {
                        problems?.Invoke(new IngestProblem(name, startLine, "XmlWinEventLog event", $"no </Event> before the next <Event at line {lineNo} (truncated); read as far as it goes"));
                    }

                    yield return (current.ToString(), startLine);
                    current = null;
                    pos = stop;
                    continue;
                }

                current.Append(line, pos, line.Length - pos).Append('\n');
                break;
            }

            if (current is not null && current.Length > maxEventChars)
            {
                problems?.Invoke(new IngestProblem(name, startLine, "XmlWinEventLog event", $"event longer than {maxEventChars:N0} characters without </Event>; skipped"));
                (current, inCdata) = (null, false);
            }
        }

        if (current is not null)
        {
            problems?.Invoke(new IngestProblem(name, startLine, "XmlWinEventLog event", "file ends inside an event (no </Event>, truncated); read as far as it goes"));
            yield return (current.ToString().TrimEnd('\n'), startLine);
        }
    }

    /// <summary>Inside CDATA: appends up to its end and returns false, or the whole rest of the line and true (the CDATA goes on).</summary>
    private static bool ContinueCdata(string line, ref int pos, StringBuilder current)
    {
        var cdataEnd = line.IndexOf(CdataEnd, pos, StringComparison.Ordinal);
        if (cdataEnd < 0)
        {
            current.Append(line, pos, line.Length - pos).Append('\n');
            return true;
        }

        current.Append(line, pos, cdataEnd + CdataEnd.Length - pos);
        pos = cdataEnd + CdataEnd.Length;
        return false;
    }

    /// <summary>Where the <c>&lt;/Event&gt;</c> of the event starting at <paramref name="start"/> is, when it is on this line with no CDATA and no other event start before it; else -1.</summary>
    private static int WholeEventAt(string line, int start)
    {
        var close = line.IndexOf(EventEnd, start, StringComparison.Ordinal);
        return close >= 0
            && line.IndexOf(CdataStart, start, close - start, StringComparison.Ordinal) < 0
            && FindEventStart(line, start + 6, close) < 0 ? close : -1;
    }

    private static IngestProblem LineTooLong(string name, long lineNo, long skipped, int maxEventChars, long? eventStart) =>
        new(name, lineNo, "XmlWinEventLog line", $"line is {skipped:N0} characters, over the limit of {maxEventChars:N0}; skipped"
            + (eventStart is { } s ? $" with the event that started at line {s}" : string.Empty));

    /// <summary>Where the next <c>&lt;Event</c> element starts (not <c>&lt;EventData</c>, <c>&lt;EventID</c>, ...), or -1.</summary>
    internal static int FindEventStart(string line, int from, int until = -1)
    {
        var limit = until < 0 ? line.Length : until;
        var i = from;
        while (i < limit)
        {
            i = line.IndexOf("<Event", i, limit - i, StringComparison.Ordinal);
            if (i < 0)
            {
                return -1;
            }

            var after = i + 6;
            if (after >= line.Length || line[after] is ' ' or '>' or '\t' or '\r' or '\n')
            {
                return i;
            }

            i = after; // <EventData>, <EventID>, ... are not event starts
        }

        return -1;
    }
}
