using System.Text;
using Escudo.Core.Events;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Windows;

namespace Escudo.Ingest.Xml;

/// <summary>
/// Reads XmlWinEventLog text: one <c>&lt;Event ...&gt;...&lt;/Event&gt;</c> per line as Splunk
/// exports it (and ESCU attack datasets store it), or pretty-printed across lines as evtxexport
/// writes it. Streams line by line; an event is everything from <c>&lt;Event</c> to <c>&lt;/Event&gt;</c>.
/// </summary>
public static class XmlWinEventLogReader
{
    private const int MaxEventChars = 4 * 1024 * 1024;

    public static IEnumerable<Row> Read(TextReader reader, string name, EventReadOptions options, Action<IngestProblem>? problems)
    {
        // Splitting is sequential (an event spans lines); parsing and mapping run on all threads, in order.
        var mapped = OrderedParallel.Map(SplitEvents(reader, name, problems), e =>
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
    public static IEnumerable<(string Text, long Line)> SplitEvents(TextReader reader, string name, Action<IngestProblem>? problems)
    {
        StringBuilder? current = null;
        long lineNo = 0;
        long startLine = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            var pos = 0;
            while (pos < line.Length)
            {
                if (current is null)
                {
                    var start = FindEventStart(line, pos);
                    if (start < 0)
                    {
                        break;
                    }

                    // The common case, one whole event on its line: no copy through a builder.
                    var close = line.IndexOf("</Event>", start, StringComparison.Ordinal);
                    if (close >= 0)
                    {
                        yield return (start == 0 && close + 8 == line.Length ? line : line.Substring(start, close + 8 - start), lineNo);
                        pos = close + 8;
                        continue;
                    }

                    current = new StringBuilder();
                    startLine = lineNo;
                    pos = start;
                }

                var end = line.IndexOf("</Event>", pos, StringComparison.Ordinal);
                if (end >= 0)
                {
                    current.Append(line, pos, end + 8 - pos);
                    yield return (current.ToString(), startLine);
                    current = null;
                    pos = end + 8;
                    continue;
                }

                current.Append(line, pos, line.Length - pos).Append('\n');
                if (current.Length > MaxEventChars)
                {
                    problems?.Invoke(new IngestProblem(name, startLine, "XmlWinEventLog event", $"event longer than {MaxEventChars} characters without </Event>; skipped"));
                    current = null;
                }

                break;
            }
        }

        if (current is not null)
        {
            problems?.Invoke(new IngestProblem(name, startLine, "XmlWinEventLog event", "file ends inside an event (no </Event>); skipped"));
        }
    }

    private static int FindEventStart(string line, int from)
    {
        var i = from;
        while (true)
        {
            i = line.IndexOf("<Event", i, StringComparison.Ordinal);
            if (i < 0)
            {
                return -1;
            }

            var after = i + 6;
            if (after >= line.Length || line[after] is ' ' or '>' or '\t')
            {
                return i;
            }

            i = after; // <EventData>, <EventID>, ... are not event starts
        }
    }
}
