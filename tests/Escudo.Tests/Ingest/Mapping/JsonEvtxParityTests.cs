using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Mapping;

/// <summary>
/// Issue 16's acceptance check: the same Windows events read from EVTX and from JSON lines give
/// the same fields and the same CIM rows. No recording in ../shared/datasets exists in both
/// shapes, so every EVTX event there is written out here as the NXLog im_msvistalog + xm_json
/// collector writes it (the shape of the Security-Datasets recordings: System properties under
/// NXLog's names, EventData flattened beside them, the collector's own keys around them, values
/// unescaped), and the lines are read back through the ordinary input reader.
/// </summary>
public sealed partial class JsonEvtxParityTests
{
    /// <summary>
    /// Fields the NXLog shape cannot carry, so they are not compared: <c>_raw</c> is each
    /// reader's own rendering, and <c>Level</c> exists only as NXLog's severity (Windows levels 0
    /// and 4 both become INFO), so it cannot be rebuilt.
    /// </summary>
    private static readonly HashSet<string> NotCarried = new(StringComparer.Ordinal)
    {
        "_raw", "Level",

        // Classic (event log API) providers: NXLog writes the provider once, as SourceName, and no
        // EventID qualifiers.
        "EventSourceName", "Qualifiers",

        // NXLog flattens UserData into plain fields, so its XML (and each element's) is not there
        // to extract; the items themselves are compared.
        "UserData_Xml", "LogFileCleared_Xml",

        // NXLog's Message is its own rendering of the event's message, which the reader drops as
        // the collector's; an event's RenderingInfo message has no place of its own in the shape.
        "Message",
    };

    /// <summary>
    /// NXLog's own keys on a Windows event, and the System keys of the other flat shape the reader
    /// takes (Level, TimeCreated, as some Security-Datasets recordings write them). An event whose
    /// EventData has an item of one of these names cannot be written flat without one value
    /// replacing the other, so such events are counted and left out.
    /// </summary>
    private static readonly HashSet<string> NxlogNames = new(StringComparer.Ordinal)
    {
        "EventTime", "Hostname", "Keywords", "EventType", "SeverityValue", "Severity", "EventID", "SourceName", "ProviderGuid",
        "Version", "Task", "OpcodeValue", "RecordNumber", "ActivityID", "RelatedActivityID", "ExecutionProcessID", "ThreadID",
        "Channel", "Domain", "AccountName", "UserID", "AccountType", "Category", "Opcode", "Message", "EventReceivedTime",
        "SourceModuleName", "SourceModuleType", "@timestamp", "Level", "TimeCreated",
    };

    [Fact]
    public void EvtxEventsWrittenAsNxlogJsonLinesReadBackWithTheSameFieldsAndCimRows()
    {
        var folder = SharedData.Require("datasets");
        var files = Directory.EnumerateFiles(folder, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);

        var fromEvtx = new List<Row>();
        var json = new StringBuilder();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var row in InputReader.Read(file, EventReadOptions.Default))
            {
                var ev = WindowsXmlParser.Parse(row.Get(FieldTable.Raw).ToDisplayString())!;
                var reason = WhyNotWritable(ev);
                if (reason is not null)
                {
                    skipped[reason] = skipped.GetValueOrDefault(reason) + 1;
                    continue;
                }

                fromEvtx.Add(row);
                json.Append(NxlogJson(ev)).Append('\n');
            }
        }

        var fromJson = InputReader.ReadStream(new MemoryStream(Encoding.UTF8.GetBytes(json.ToString())), "evtx-as-nxlog.json", EventReadOptions.Default,
            p => Assert.Fail("the JSON written from EVTX events was not read cleanly: " + p)).ToList();
        Assert.Equal(fromEvtx.Count, fromJson.Count);
        Assert.True(fromEvtx.Count > 15_000, $"only {fromEvtx.Count} events compared; skipped: {Describe(skipped)}");

        var differences = new SortedDictionary<string, (int Count, string Example)>(StringComparer.Ordinal);
        var cimRows = 0;
        for (var i = 0; i < fromEvtx.Count; i++)
        {
            foreach (var (key, example) in Compare(fromEvtx[i], fromJson[i]))
            {
                var d = differences.GetValueOrDefault(key);
                differences[key] = (d.Count + 1, d.Example ?? example);
            }

            cimRows += CompareCim(fromEvtx[i], fromJson[i], differences);
        }

        Assert.True(cimRows > 10_000, $"only {cimRows} CIM rows compared");
        Assert.True(differences.Count == 0, $"{differences.Count} kinds of difference between EVTX and JSON over {fromEvtx.Count:N0} events "
            + $"({Describe(skipped)} skipped):\n" + string.Join('\n', differences.Take(40).Select(d => $"{d.Key}: {d.Value.Count}x, e.g. {d.Value.Example}")));
    }

    private static string Describe(Dictionary<string, int> skipped) =>
        skipped.Count == 0 ? "none" : string.Join(", ", skipped.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Value} {s.Key}"));

    private static string? WhyNotWritable(WindowsEvent ev)
    {
        if (ev.Data.Any(d => string.IsNullOrEmpty(d.Key)))
        {
            return "with unnamed Data items";
        }

        return ev.Data.FirstOrDefault(d => NxlogNames.Contains(d.Key!)).Key is { } name ? $"with a Data item named {name}" : null;
    }

    private static IEnumerable<(string Key, string Example)> Compare(Row evtx, Row json)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < evtx.Count; i++)
        {
            names.Add(evtx.NameAt(i));
        }

        for (var i = 0; i < json.Count; i++)
        {
            names.Add(json.NameAt(i));
        }

        var eventId = evtx.Get("EventCode").ToDisplayString();
        // An event with UserData has no EventData_Xml; flattened, its items come back as EventData.
        var fromUserData = !evtx.Get("UserData_Xml").IsNull;
        foreach (var name in names.Where(n => !NotCarried.Contains(n) && !(fromUserData && n == "EventData_Xml")))
        {
            var a = Show(evtx.Get(name));
            var b = Show(json.Get(name));
            if (a != b && !SameInstant(name, a, b) && !SameUpToQuoteEntities(a, b) && !SameUpToBinaryElement(name, a, b))
            {
                var at = a.AsSpan().CommonPrefixLength(b);
                yield return ($"field {name}", $"EventCode {eventId}, from character {at}: evtx {Cut(a[at..])} / json {Cut(b[at..])}");
            }
        }
    }

    /// <summary>SystemTime is text Windows writes with 7 or 9 decimals; the shape carries the instant.</summary>
    private static bool SameInstant(string name, string a, string b) =>
        name == "SystemTime"
        && DateTimeOffset.TryParse(a, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var x)
        && DateTimeOffset.TryParse(b, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var y)
        && x == y;

    /// <summary>
    /// A few recordings store a quote in element text as an entity reference (binary XML's entity
    /// token), which the XML keeps as <c>&amp;quot;</c>; a collector hands over the quote itself,
    /// and element text renders it plain. Counted as the same value; nothing else is.
    /// </summary>
    private static bool SameUpToQuoteEntities(string a, string b) =>
        (a.Contains("&quot;", StringComparison.Ordinal) || a.Contains("&apos;", StringComparison.Ordinal))
        && a.Replace("&quot;", "\"", StringComparison.Ordinal).Replace("&apos;", "'", StringComparison.Ordinal) == b;

    /// <summary>
    /// Classic events carry their binary data as a <c>&lt;Binary&gt;</c> element beside the Data
    /// items (an empty one as <c>&lt;Binary/&gt;</c>, which gives no field); the shape has only named fields, so it comes back as an item named Binary. The
    /// field Binary is compared as any other; only the element's name in EventData_Xml differs.
    /// </summary>
    private static bool SameUpToBinaryElement(string name, string a, string b) =>
        name == "EventData_Xml" && BinaryElement().Replace(a, "<Data Name='Binary'>$1</Data>").Replace("<Binary/>", string.Empty, StringComparison.Ordinal) == b;

    [System.Text.RegularExpressions.GeneratedRegex("<Binary>([^<]*)</Binary>")]
    private static partial System.Text.RegularExpressions.Regex BinaryElement();

    private static int CompareCim(Row evtx, Row json, SortedDictionary<string, (int Count, string Example)> differences)
    {
        var rows = 0;
        foreach (var ds in DataModelCatalog.Cim.Datasets)
        {
            var inEvtx = DataModelMapper.Matches(ds, evtx);
            var inJson = DataModelMapper.Matches(ds, json);
            if (inEvtx != inJson)
            {
                Note(differences, $"dataset {ds.FullName} membership", $"evtx {inEvtx} / json {inJson}, EventCode {evtx.Get("EventCode").ToDisplayString()}");
                continue;
            }

            if (!inEvtx)
            {
                continue;
            }

            rows++;
            var a = DataModelMapper.Project(ds, evtx);
            var b = DataModelMapper.Project(ds, json);
            foreach (var (key, example) in Compare(a, b))
            {
                Note(differences, $"{ds.FullName} {key}", example);
            }
        }

        return rows;
    }

    private static void Note(SortedDictionary<string, (int Count, string Example)> differences, string key, string example)
    {
        var d = differences.GetValueOrDefault(key);
        differences[key] = (d.Count + 1, d.Example ?? example);
    }

    private static string Show(Value v) => v.IsNull ? "(none)" : string.Join(" | ", v.Items.ToArray());

    private static string Cut(string s) => s.Length > 120 ? s[..120] + "…" : s;

    /// <summary>
    /// One event as NXLog's im_msvistalog and to_json() write it: numbers for the numeric System
    /// properties, Keywords as a signed 64-bit integer, the provider as SourceName, the computer
    /// as Hostname, the record number as RecordNumber, EventType and Severity as NXLog's level
    /// words, EventData items flattened beside them with their XML escapes undone, and the
    /// collector's own keys (receive time, module, message). The event time goes in
    /// <c>@timestamp</c> at the record's full precision so that <c>_time</c> can be compared exactly.
    /// </summary>
    private static string NxlogJson(WindowsEvent ev)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            var time = DateTimeOffset.Parse(ev.SystemTime!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            w.WriteString("EventTime", time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            w.WriteString("Hostname", Text(ev.Computer));
            if (ev.Keywords is { } kw)
            {
                w.WriteNumber("Keywords", unchecked((long)ulong.Parse(kw.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            var (eventType, severity, severityValue) = LevelWords(ev);
            w.WriteString("EventType", eventType);
            w.WriteNumber("SeverityValue", severityValue);
            w.WriteString("Severity", severity);
            w.WriteNumber("EventID", long.Parse(ev.EventId!, CultureInfo.InvariantCulture));
            w.WriteString("SourceName", Text(ev.Provider));
            Optional(w, "ProviderGuid", ev.ProviderGuid);
            OptionalNumber(w, "Version", ev.Version);
            OptionalNumber(w, "Task", ev.Task);
            OptionalNumber(w, "OpcodeValue", ev.Opcode);
            OptionalNumber(w, "RecordNumber", ev.EventRecordId);
            Optional(w, "ActivityID", ev.ActivityId);
            Optional(w, "RelatedActivityID", ev.RelatedActivityId);
            OptionalNumber(w, "ExecutionProcessID", ev.ProcessId);
            OptionalNumber(w, "ThreadID", ev.ThreadId);
            w.WriteString("Channel", Text(ev.Channel));
            if (ev.UserId is not null)
            {
                w.WriteString("Domain", "NT AUTHORITY");
                w.WriteString("AccountName", "SYSTEM");
                w.WriteString("UserID", ev.UserId);
                w.WriteString("AccountType", "User");
            }

            w.WriteString("Category", "None");
            w.WriteString("Opcode", "Info");
            foreach (var (name, value) in ev.Data)
            {
                w.WriteString(name!, Text(value));
            }

            w.WriteString("Message", "Rendered message text");
            w.WriteString("EventReceivedTime", time.AddSeconds(1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            w.WriteString("SourceModuleName", "eventlog");
            w.WriteString("SourceModuleType", "im_msvistalog");
            w.WriteString("@timestamp", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>NXLog's EventType/Severity words for the Windows level; audit events by their keyword bits.</summary>
    private static (string EventType, string Severity, int SeverityValue) LevelWords(WindowsEvent ev)
    {
        var keywords = ev.Keywords is { } kw ? ulong.Parse(kw.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) : 0;
        if ((keywords & 0x0010000000000000) != 0)
        {
            return ("AUDIT_FAILURE", "ERROR", 4);
        }

        if ((keywords & 0x0020000000000000) != 0)
        {
            return ("AUDIT_SUCCESS", "INFO", 2);
        }

        return ev.Level switch
        {
            "1" => ("CRITICAL", "CRITICAL", 5),
            "2" => ("ERROR", "ERROR", 4),
            "3" => ("WARNING", "WARNING", 3),
            "5" => ("VERBOSE", "DEBUG", 1),
            _ => ("INFO", "INFO", 2),
        };
    }

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, Text(value));
        }
    }

    private static void OptionalNumber(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            w.WriteNumber(name, n);
        }
        else
        {
            w.WriteString(name, Text(value));
        }
    }

    /// <summary>The value a collector reads from the event API: the XML escapes the text rendering keeps, undone.</summary>
    private static string Text(string? xmlText) => WebUtility.HtmlDecode(xmlText ?? string.Empty);
}
