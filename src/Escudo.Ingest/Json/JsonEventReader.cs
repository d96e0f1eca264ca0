using System.Globalization;
using System.Text;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Windows;

namespace Escudo.Ingest.Json;

/// <summary>
/// JSON lines: the Splunk HEC shape (<c>{"time":..,"host":..,"source":..,"sourcetype":..,"event":{...}}</c>)
/// and flat Windows events as NXLog/Winlogbeat-style collectors write them (the OTRF
/// Security-Datasets recordings). Windows events are rebuilt as XmlWinEventLog so that they get
/// the same fields, raw text and data model rows as events read from EVTX or XML.
/// </summary>
public static class JsonEventReader
{
    /// <summary>
    /// Fields the collector adds around a Windows event (NXLog, Logstash, Winlogbeat), by their
    /// exact names: compared case-sensitively, because events carry fields that differ only in
    /// case (Logstash's <c>port</c> and <c>type</c> versus an event's <c>Port</c> and <c>Type</c>).
    /// </summary>
    private static readonly HashSet<string> CollectorKeys = new(StringComparer.Ordinal)
    {
        "EventReceivedTime", "SourceModuleName", "SourceModuleType", "@version", "tags", "port", "host", "Severity", "SeverityValue",
        "OpcodeValue", "Message", "Category", "EventTime", "@timestamp", "Hostname", "SourceName", "ProviderGuid", "EventID",
        "Channel", "Keywords", "Task", "Opcode", "Version", "RecordNumber", "ExecutionProcessID", "ThreadID", "ActivityID", "RelatedActivityID",
        "Level", "UserID", "AccountName", "Domain", "AccountType", "Computer", "computer_name", "beat", "agent", "ecs", "log", "winlog", "event", "input", "type", "timestamp",
    };

    /// <summary>
    /// NXLog's <c>EventType</c> is the event's level as a word; Sysmon's own <c>EventType</c>
    /// (CreateKey, DeleteKey, SetValue, DeleteValue, RenameKey on 12-14; CreatePipe, ConnectPipe on
    /// 17-18) has the same name and, in NXLog output, replaces it. Only the level words are the
    /// collector's (the values NXLog's im_msvistalog writes).
    /// </summary>
    private static readonly HashSet<string> CollectorEventTypes = new(StringComparer.Ordinal)
    {
        "INFO", "AUDIT_SUCCESS", "AUDIT_FAILURE", "ERROR", "WARNING", "VERBOSE", "CRITICAL", "DEBUG",
    };

    private static bool IsCollectorField(JsonProperty p) =>
        CollectorKeys.Contains(p.Name)
        || (p.Name == "EventType" && p.Value.ValueKind == JsonValueKind.String && CollectorEventTypes.Contains(p.Value.GetString()!));

    private static bool IsCollectorField(string name, JsonValueKind kind, string? text) =>
        CollectorKeys.Contains(name)
        || (name == "EventType" && kind == JsonValueKind.String && CollectorEventTypes.Contains(text!));

    /// <summary>Lines that fail, with no event read before them, after which a file is taken not to be JSON lines.</summary>
    private const int MaxLinesWithoutEvent = 1000;

    public static IEnumerable<Row> Read(TextReader reader, string name, EventReadOptions options, Action<IngestProblem>? problems)
    {
        // Lines are read in order on this thread; parsing and mapping run on all threads, and the
        // rows (and problems) come back in file order.
        var mapped = OrderedParallel.Map(Lines(reader, options.MaxEventChars), l => l.Text is null
            ? (null, $"line is {l.Skipped:N0} characters, over the limit of {options.MaxEventChars:N0}; skipped")
            : Parse(l.Text, options), options.ThreadCount);
        long lineNo = 0;
        long events = 0;
        long failed = 0;
        foreach (var (row, problem) in mapped)
        {
            lineNo++;
            if (problem is not null)
            {
                problems?.Invoke(new IngestProblem(name, lineNo, "JSON line", problem)); // every line is counted, blank ones too
                if (++failed >= MaxLinesWithoutEvent && events == 0)
                {
                    // A file that only starts like JSON (random bytes after a '{', a device) would
                    // otherwise be read, and complained about, for as long as it lasts.
                    problems?.Invoke(new IngestProblem(name, lineNo, "JSON line", $"{failed:N0} lines and not one JSON event: not JSON lines; the rest of the file is skipped"));
                    yield break;
                }

                continue;
            }

            if (row is not null)
            {
                events++;
                yield return row;
            }
        }
    }

    private static IEnumerable<(string? Text, long Skipped)> Lines(TextReader reader, int maxChars)
    {
        var lines = new BoundedLineReader(reader, maxChars);
        while (lines.Next(out var line, out var skipped))
        {
            yield return (line, skipped);
        }
    }

    private static (Row? Row, string? Problem) Parse(string line, EventReadOptions options)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return (null, null);
        }

        try
        {
            if (FromFlatWindowsLine(line, options) is { } fast)
            {
                return (fast, null);
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            // The document path meets the same value and reports it as a problem of the line.
        }

        return ParseDocument(line, options);
    }

    /// <summary>
    /// The document path: the line parsed into a <see cref="JsonDocument"/>. Every line the fast
    /// path (<see cref="FromFlatWindowsLine"/>) leaves comes here, and so do the lines that the
    /// differential test reads both ways.
    /// </summary>
    internal static (Row? Row, string? Problem) ParseDocument(string line, EventReadOptions options)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return (null, null);
        }

        try
        {
            using var doc = JsonDocument.Parse(line);
            var row = FromJson(doc.RootElement, line, options);
            return row is null ? (null, "not a JSON object; skipped") : (row, null);
        }
        catch (JsonException e)
        {
            return (null, e.Message);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            // A value System.Text.Json reads but cannot convert (an invalid surrogate in a string).
            return (null, e.Message + "; skipped");
        }
    }

    public static Row? FromJson(JsonElement root, string rawLine, EventReadOptions options)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // HEC envelope: metadata around an "event" that is a string or an object.
        if (root.TryGetProperty("event", out var ev) && (ev.ValueKind == JsonValueKind.String || ev.ValueKind == JsonValueKind.Object))
        {
            var hecOptions = options with
            {
                Source = options.Source ?? Str(root, "source"),
                SourceType = options.SourceType ?? Str(root, "sourcetype"),
                Host = options.Host ?? Str(root, "host"),
                Index = Str(root, "index") ?? options.Index,
            };
            double? time = root.TryGetProperty("time", out var t) ? ReadEpoch(t) : null;
            Row row;
            if (ev.ValueKind == JsonValueKind.String)
            {
                var text = ev.GetString() ?? string.Empty;
                var xmlEvent = text.Contains("<Event", StringComparison.Ordinal) ? Xml.WindowsXmlParser.Parse(text) : null;
                row = xmlEvent?.EventId is not null
                    ? WindowsEventMapper.ToRow(xmlEvent, text, hecOptions.Source, hecOptions.SourceType, hecOptions.Host, hecOptions.Index)
                    : PlainRow(text, hecOptions);
            }
            else
            {
                row = FromObject(ev, ev.GetRawText(), hecOptions);
            }

            if (root.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Object)
            {
                // HEC's indexed fields: a string, or an array of strings for a multivalue field.
                foreach (var p in fields.EnumerateObject())
                {
                    row.Set(p.Name, p.Value.ValueKind == JsonValueKind.Array
                        ? Value.FromMulti([.. p.Value.EnumerateArray().Select(Escudo.Core.Text.JsonFlattener.Scalar)])
                        : Value.FromString(Escudo.Core.Text.JsonFlattener.Scalar(p.Value)));
                }
            }

            if (time is { } tt)
            {
                row.Set(FieldTable.Time, Value.FromNumber(tt));
            }

            return row;
        }

        return FromObject(root, rawLine, options);
    }

    private static Row PlainRow(string text, EventReadOptions o)
    {
        var row = new Row(8);
        row.Set(FieldTable.Time, Value.FromNumber(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0));
        row.Set(FieldTable.Host, Value.FromString(o.Host ?? "unknown"));
        row.Set(FieldTable.Source, Value.FromString(o.Source ?? "http:escudo"));
        row.Set(FieldTable.SourceType, Value.FromString(o.SourceType ?? "httpevent"));
        row.Set(FieldTable.Index, Value.FromString(o.Index));
        row.Set(FieldTable.Raw, Value.FromString(text));
        return row;
    }

    private static Row FromObject(JsonElement obj, string raw, EventReadOptions options)
    {
        var eventId = Str(obj, "EventID") ?? Str(obj, "EventCode") ?? Str(obj, "event_id");
        var channel = Str(obj, "Channel") ?? Str(obj, "channel");
        if (eventId is not null && channel is not null)
        {
            var w = new WindowsEvent
            {
                EventId = eventId,
                Channel = channel,
                Provider = Str(obj, "SourceName") ?? Str(obj, "ProviderName") ?? Str(obj, "Provider"),
                ProviderGuid = Str(obj, "ProviderGuid"),
                Computer = Str(obj, "Hostname") ?? Str(obj, "Computer") ?? Str(obj, "computer_name"),
                EventRecordId = Str(obj, "RecordNumber") ?? Str(obj, "EventRecordID"),
                ProcessId = Str(obj, "ExecutionProcessID"),
                ThreadId = Str(obj, "ThreadID"),
                Version = Str(obj, "Version"),
                Level = Str(obj, "Level"),
                Task = Str(obj, "Task"),
                Opcode = Str(obj, "OpcodeValue"),
                Keywords = obj.TryGetProperty("Keywords", out var kw) ? KeywordsHex(kw) : null,
                UserId = Str(obj, "UserID"),
                ActivityId = Str(obj, "ActivityID"),
                RelatedActivityId = Str(obj, "RelatedActivityID"),
                SystemTime = SystemTimeOf(obj),
            };
            foreach (var p in obj.EnumerateObject())
            {
                if (IsCollectorField(p) || p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null)
                {
                    continue;
                }

                w.Data.Add(new(p.Name, Escudo.Core.Text.JsonFlattener.Scalar(p.Value)));
            }

            return FromWindowsEvent(w, options);
        }

        // Any other object: each leaf becomes a field (a.b, a{}.c) as Splunk's JSON extraction does.
        var row = PlainRow(raw, options);
        var seen = new HashSet<int>();
        Escudo.Core.Text.JsonFlattener.Flatten(obj, string.Empty, (k, v) =>
        {
            var id = FieldTable.Intern(k);
            if (id == FieldTable.Time && Value.TryParseNumber(v, out var t))
            {
                row.Set(id, Value.FromNumber(t));
                return;
            }

            // The defaults PlainRow filled in (host, source, sourcetype, index) give way to the event's own.
            var existing = row.Get(id);
            var isDefault = id == FieldTable.Host || id == FieldTable.Source || id == FieldTable.SourceType || id == FieldTable.Index || id == FieldTable.Raw;
            row.Set(id, existing.IsNull || isDefault && !seen.Contains(id) ? Value.FromString(v) : Value.FromMulti([.. existing.Items.ToArray(), v]));
            seen.Add(id);
        });
        if (Str(obj, "time") is { } ts && Value.TryParseNumber(ts, out var epoch))
        {
            row.Set(FieldTable.Time, Value.FromNumber(epoch));
        }
        else if (Str(obj, "@timestamp") is { } iso && DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto))
        {
            row.Set(FieldTable.Time, Value.FromNumber(dto.ToUnixTimeMilliseconds() / 1000.0));
        }

        return row;
    }

    internal static Row FromWindowsEvent(WindowsEvent w, EventReadOptions options)
    {
        // The fields are what parsing the XML rendered for _raw gives, not the JSON values as
        // they are: every value is escaped as it is rendered, so what a search sees is exactly
        // what reading _raw back (export, new-test datasets) gives, and no value can add an
        // element, a field or another event. RenderedWindowsEvent builds that parse's result
        // without the parse; the differential tests hold the two equal.
        var escaped = RenderedWindowsEvent.Escape(w);
        var xml = RenderEscaped(escaped, out var eventDataStart, out var eventDataLength);
        WindowsEvent parsed;
        if (RenderedWindowsEvent.NeedsParse(w))
        {
            parsed = Xml.WindowsXmlParser.Parse(xml) ?? w;
        }
        else
        {
            escaped.EventDataXml = xml.Substring(eventDataStart, eventDataLength);
            parsed = escaped;
        }

        return WindowsEventMapper.ToRow(parsed, xml, options.Source, options.SourceType, options.Host, options.Index);
    }

    /// <summary>
    /// The plain path the differential tests compare <see cref="FromWindowsEvent"/> with: the
    /// rendered XML parsed back by <see cref="Xml.WindowsXmlParser"/>.
    /// </summary>
    internal static Row FromWindowsEventByParsing(WindowsEvent w, EventReadOptions options)
    {
        var xml = RenderXml(w);
        var parsed = Xml.WindowsXmlParser.Parse(xml) ?? w;
        return WindowsEventMapper.ToRow(parsed, xml, options.Source, options.SourceType, options.Host, options.Index);
    }

    /// <summary>One scanner per thread: its property list is reused from line to line.</summary>
    [ThreadStatic]
    private static JsonLineScan? t_scan;

    /// <summary>
    /// The fast path for the common shape, a flat Windows event (NXLog, Winlogbeat-style
    /// recordings): the line's top-level properties read with <see cref="Utf8JsonReader"/> into
    /// the same <see cref="WindowsEvent"/> the document path builds (<see cref="FromObject"/>),
    /// without a <see cref="JsonDocument"/>. Null for anything else (a HEC envelope, another
    /// object, a line that is not valid JSON), which the document path then reads and reports.
    /// </summary>
    internal static Row? FromFlatWindowsLine(string line, EventReadOptions options) =>
        FlatWindowsEvent(line) is { } w ? FromWindowsEvent(w, options) : null;

    /// <summary>The Windows event of <see cref="FromFlatWindowsLine"/>, before it is rendered and mapped.</summary>
    internal static WindowsEvent? FlatWindowsEvent(string line)
    {
        var scan = t_scan ??= new JsonLineScan();
        if (!scan.TryRead(line)
            || scan.TryGet("event", out var evKind, out _) && evKind is JsonValueKind.String or JsonValueKind.Object)
        {
            return null;
        }

        var eventId = scan.Str("EventID") ?? scan.Str("EventCode") ?? scan.Str("event_id");
        var channel = scan.Str("Channel") ?? scan.Str("channel");
        if (eventId is null || channel is null)
        {
            return null;
        }

        var w = new WindowsEvent
        {
            EventId = eventId,
            Channel = channel,
            Provider = scan.Str("SourceName") ?? scan.Str("ProviderName") ?? scan.Str("Provider"),
            ProviderGuid = scan.Str("ProviderGuid"),
            Computer = scan.Str("Hostname") ?? scan.Str("Computer") ?? scan.Str("computer_name"),
            EventRecordId = scan.Str("RecordNumber") ?? scan.Str("EventRecordID"),
            ProcessId = scan.Str("ExecutionProcessID"),
            ThreadId = scan.Str("ThreadID"),
            Version = scan.Str("Version"),
            Level = scan.Str("Level"),
            Task = scan.Str("Task"),
            Opcode = scan.Str("OpcodeValue"),
            Keywords = scan.TryGet("Keywords", out var kwKind, out var kw) ? KeywordsHex(kwKind, kw) : null,
            UserId = scan.Str("UserID"),
            ActivityId = scan.Str("ActivityID"),
            RelatedActivityId = scan.Str("RelatedActivityID"),
            SystemTime = SystemTimeOf(scan.Str("@timestamp"), scan.Str("TimeCreated")),

            // Sized once: growing it by doubling was a tenth of reading a JSON line.
            Data = new(scan.Properties.Count),
        };
        foreach (var (name, kind, text) in scan.Properties)
        {
            if (IsCollectorField(name, kind, text) || kind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null)
            {
                continue;
            }

            w.Data.Add(new(name, text!));
        }

        return w;
    }

    private static string? SystemTimeOf(JsonElement obj) => SystemTimeOf(Str(obj, "@timestamp"), Str(obj, "TimeCreated"));

    private static string? SystemTimeOf(string? timestamp, string? timeCreated)
    {
        if (timestamp is { } iso && DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            return dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture);
        }

        if (timeCreated is { } tc && DateTimeOffset.TryParse(tc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out dto))
        {
            return dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture);
        }

        return null;
    }

    /// <summary>The fast path's <see cref="KeywordsHex(JsonElement)"/>.</summary>
    private static string? KeywordsHex(JsonValueKind kind, string? text)
    {
        if (kind == JsonValueKind.Number && text is not null && JsonLineScan.TryGetInt64(text, out var l))
        {
            return "0x" + ((ulong)l).ToString("x", CultureInfo.InvariantCulture);
        }

        return kind == JsonValueKind.String ? text : null;
    }

    /// <summary>NXLog writes Keywords as a signed 64-bit integer; Windows renders it as hex.</summary>
    private static string? KeywordsHex(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var l))
        {
            return "0x" + ((ulong)l).ToString("x", CultureInfo.InvariantCulture);
        }

        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }

    private static string? Str(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array) ? Escudo.Core.Text.JsonFlattener.Scalar(v) : null;

    private static double? ReadEpoch(JsonElement t) => t.ValueKind switch
    {
        // A number too large for a double (1e400) is infinite: kept, and found out of range later.
        JsonValueKind.Number => t.TryGetDouble(out var d) ? d : double.PositiveInfinity,
        JsonValueKind.String when Value.TryParseNumber(t.GetString(), out var d) => d,
        _ => null,
    };

    /// <summary>
    /// Escapes a value for a single-quoted attribute, or (<paramref name="text"/>) for element
    /// content, where Windows' rendering (and the EVTX reader's) leaves quotes as they are:
    /// a command line with quotes reads the same from JSON as from EVTX.
    /// </summary>
    public static string EscapeXml(string s, bool text = false)
    {
        if (s.AsSpan().IndexOfAny(text ? "&<>" : "&<>'\"") < 0)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length + 16);
        foreach (var c in s)
        {
            if (text && c is '\'' or '"')
            {
                sb.Append(c);
                continue;
            }

            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\'' => "&apos;",
                '"' => "&quot;",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    /// <summary>
    /// Renders a Windows event as Splunk's one-line XmlWinEventLog (single-quoted attributes).
    /// Every value, attribute or text, and every Data name is escaped, so none can end its
    /// element or add one.
    /// </summary>
    public static string RenderXml(WindowsEvent w) => RenderXml(w, out _);

    /// <param name="w">The event.</param>
    /// <param name="eventDataStart">Where the inner XML of EventData starts (it ends before the closing <c>&lt;/EventData&gt;&lt;/Event&gt;</c>).</param>
    internal static string RenderXml(WindowsEvent w, out int eventDataStart) => RenderEscaped(RenderedWindowsEvent.Escape(w), out eventDataStart, out _);

    /// <summary>One builder per thread, kept between events: growing a fresh one by blocks for every event was a twentieth of a hunt's samples.</summary>
    [ThreadStatic]
    private static StringBuilder? t_render;

    /// <summary>A builder that grew past this (one huge event) is not kept for the next.</summary>
    private const int MaxKeptRenderChars = 64 * 1024;

    /// <summary>
    /// Writes the XmlWinEventLog of an event whose values are already escaped
    /// (<see cref="RenderedWindowsEvent.Escape"/>), so that the text and the fields made from the
    /// same event hold the same escaped values.
    /// </summary>
    private static string RenderEscaped(WindowsEvent e, out int eventDataStart, out int eventDataLength)
    {
        var sb = t_render ?? new StringBuilder(2048);
        t_render = null; // a rendering that throws leaves no half-written builder behind
        sb.Append("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>");
        sb.Append("<Provider Name='").Append(e.Provider).Append('\'');
        if (e.ProviderGuid is not null)
        {
            sb.Append(" Guid='").Append(e.ProviderGuid).Append('\'');
        }

        sb.Append("/><EventID>").Append(e.EventId).Append("</EventID>");
        Element(sb, "Version", e.Version);
        Element(sb, "Level", e.Level);
        Element(sb, "Task", e.Task);
        Element(sb, "Opcode", e.Opcode);
        Element(sb, "Keywords", e.Keywords);
        if (e.SystemTime is not null)
        {
            sb.Append("<TimeCreated SystemTime='").Append(e.SystemTime).Append("'/>");
        }

        Element(sb, "EventRecordID", e.EventRecordId);
        sb.Append("<Correlation");
        if (e.ActivityId is not null)
        {
            sb.Append(" ActivityID='").Append(e.ActivityId).Append('\'');
        }

        if (e.RelatedActivityId is not null)
        {
            sb.Append(" RelatedActivityID='").Append(e.RelatedActivityId).Append('\'');
        }

        sb.Append("/>");
        if (e.ProcessId is not null || e.ThreadId is not null)
        {
            sb.Append("<Execution ProcessID='").Append(e.ProcessId).Append("' ThreadID='").Append(e.ThreadId).Append("'/>");
        }

        Element(sb, "Channel", e.Channel);
        Element(sb, "Computer", e.Computer);
        if (e.UserId is null)
        {
            sb.Append("<Security/>");
        }
        else
        {
            sb.Append("<Security UserID='").Append(e.UserId).Append("'/>");
        }

        sb.Append("</System><EventData>");
        eventDataStart = sb.Length;
        foreach (var (k, v) in e.Data)
        {
            // An empty item closes itself, as Windows renders it (EventData_Xml reads the same from either).
            sb.Append("<Data Name='").Append(k).Append('\'');
            _ = v.Length == 0 ? sb.Append("/>") : sb.Append('>').Append(v).Append("</Data>");
        }

        eventDataLength = sb.Length - eventDataStart;
        sb.Append("</EventData></Event>");
        var xml = sb.ToString();
        if (sb.Capacity <= MaxKeptRenderChars)
        {
            sb.Clear();
            t_render = sb;
        }

        return xml;
    }

    /// <summary>An element of an escaped event (<see cref="RenderEscaped"/>): its value is written as it is.</summary>
    private static void Element(StringBuilder sb, string name, string? value)
    {
        if (value is not null)
        {
            sb.Append('<').Append(name).Append('>').Append(value).Append("</").Append(name).Append('>');
        }
    }
}
