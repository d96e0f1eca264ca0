using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Detections.Running;

namespace Escudo.Cli.Commands.Report;

/// <summary>
/// The report's data: every hit, detection, event origin and risk object as one JSON block that
/// the page's script renders. Hits are arrays (not objects) and repeated strings (origins, field
/// names) are written once and referred to by index, so 100,000 hits stay a block the browser
/// parses in a fraction of a second instead of 100,000 rows of HTML.
/// </summary>
internal sealed class ReportData
{
    /// <summary>Hits the report holds at most; past it the page says how many are left out (all are in timeline.jsonl and results.jsonl).</summary>
    public const int MaxHits = 200_000;

    /// <summary>Risk events listed per risk object, the earliest first; the page says how many more there are (all are in risk.jsonl).</summary>
    public const int MaxRiskEventsPerObject = 100;

    /// <summary>A result field value longer than this is cut in the report (marked "…"), as in the timeline.</summary>
    public const int MaxFieldText = HuntTimeline.MaxFieldText;

    private readonly Dictionary<int, int> _origins = [];
    private readonly List<EventOrigin?> _originList = [];
    private readonly Dictionary<string, int> _fields = new(StringComparer.Ordinal);

    private ReportData(HuntSummary summary, DateTimeOffset generated)
    {
        Summary = summary;
        Generated = generated;
        Fired = [.. summary.Runs.Where(r => r.Fired)];
        DetectionIndex = Fired.Select((r, i) => (r, i)).ToDictionary(x => x.r, x => x.i, (IEqualityComparer<DetectionRun>)ReferenceEqualityComparer.Instance);
        Hits = [.. summary.Hits.Take(MaxHits)];
        Risk = ReportRisk.ByObject(Fired.SelectMany(r => r.RiskEvents.Select(e => (DetectionIndex[r], e))));
    }

    public HuntSummary Summary { get; }

    public DateTimeOffset Generated { get; }

    /// <summary>The detections that fired, in run order; hits and risk events refer to them by index.</summary>
    public List<DetectionRun> Fired { get; }

    public Dictionary<DetectionRun, int> DetectionIndex { get; }

    /// <summary>The hits the page holds, in event time.</summary>
    public List<TimelineHit> Hits { get; }

    public List<RiskObject> Risk { get; }

    public static ReportData From(HuntSummary summary, DateTimeOffset generated) => new(summary, generated);

    /// <summary>Writes the block. The default encoder escapes &lt;, &gt; and &amp;, so no value can end the script element it sits in.</summary>
    public void Write(Stream output)
    {
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        WriteMeta(w);
        WriteDetections(w);

        // Hits first: they fill the origin and field tables written after them.
        w.WriteStartArray("hits");
        foreach (var h in Hits)
        {
            WriteHit(w, h);
            if (w.BytesPending > 1 << 16)
            {
                w.Flush();
            }
        }

        w.WriteEndArray();
        WriteRisk(w);
        w.WriteStartArray("origins");
        foreach (var o in _originList)
        {
            w.WriteStartArray();
            w.WriteStringValue(o?.Input ?? "(unknown input)");
            w.WriteStringValue(o?.Channel);
            w.WriteStringValue(o?.Computer);
            w.WriteBooleanValue(o?.RecordIsPosition ?? false);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteStartArray("fields");
        foreach (var name in _fields.OrderBy(f => f.Value).Select(f => f.Key))
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WriteMeta(Utf8JsonWriter w)
    {
        var s = Summary;
        w.WriteStartObject("meta");
        w.WriteString("generated", Generated.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteNumber("events", s.Events);
        w.WriteNumber("run", s.Runs.Count(r => r.Error is null));
        w.WriteNumber("unsupported", s.Runs.Count(r => r.Error is not null));
        w.WriteNumber("fired", Fired.Count);
        w.WriteNumber("seconds", Math.Round(s.Seconds, 2));
        w.WriteNumber("allHits", s.Hits.Count);
        w.WriteNumber("evidenceLimit", Evidence.Limit);
        w.WriteNumber("fieldCut", MaxFieldText);
        w.WriteNumber("ready", s.Ready);
        w.WriteNumber("blind", s.Blind);
        w.WriteEndObject();
    }

    private void WriteDetections(Utf8JsonWriter w)
    {
        w.WriteStartArray("detections");
        foreach (var r in Fired)
        {
            var d = r.Detection;
            w.WriteStartObject();
            w.WriteString("name", d.Name);
            w.WriteString("id", d.Id);
            w.WriteString("type", d.Type);
            w.WriteString("file", d.File);
            w.WriteString("description", d.Description ?? string.Empty);
            w.WriteString("search", r.ExpandedSearch);
            WriteStrings(w, "stories", d.Tags.AnalyticStory ?? []);
            WriteStrings(w, "techniques", d.Tags.MitreAttackId ?? []);
            w.WriteNumber("results", r.Results.Count);
            w.WriteNumber("riskEvents", r.RiskEvents.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>[time, last time, detection, severity, risk, host, user, process, event count, [[origin, record, time]…], [field, value, …]].</summary>
    private void WriteHit(Utf8JsonWriter w, TimelineHit h)
    {
        w.WriteStartArray();
        WriteTime(w, h.Time);
        WriteTime(w, h.LastTime);
        w.WriteNumberValue(DetectionIndex[h.Run]);
        w.WriteNumberValue(Math.Max(0, Array.IndexOf(TimelineFilter.Severities, h.Severity)));
        w.WriteNumberValue(h.RiskScore);
        w.WriteStringValue(h.Host);
        w.WriteStringValue(h.User);
        w.WriteStringValue(h.Process);
        w.WriteNumberValue(h.Evidence?.Count ?? 0);
        w.WriteStartArray();
        if (h.Evidence is { } e)
        {
            foreach (var r in e.Refs)
            {
                w.WriteStartArray();
                w.WriteNumberValue(Origin(r.Origin));
                w.WriteNumberValue(r.Record);
                WriteTime(w, r.Time);
                w.WriteEndArray();
            }
        }

        w.WriteEndArray();
        w.WriteStartArray();
        for (var i = 0; i < h.Result.Count; i++)
        {
            var v = h.Result.ValueAt(i);
            if (v.IsNull)
            {
                continue;
            }

            var text = v.IsMulti ? string.Join(", ", v.Items.ToArray()) : v.ToDisplayString();
            w.WriteNumberValue(Field(h.Result.NameAt(i)));
            w.WriteStringValue(text.Length > MaxFieldText ? text[..MaxFieldText] + "…" : text);
        }

        w.WriteEndArray();
        w.WriteEndArray();
    }

    private void WriteRisk(Utf8JsonWriter w)
    {
        // [object, type, score, first, last, [detections], [[detection, score, time, message]…], risk events in all]
        w.WriteStartArray("risk");
        foreach (var o in Risk)
        {
            w.WriteStartArray();
            w.WriteStringValue(o.Object);
            w.WriteStringValue(o.Type);
            w.WriteNumberValue(o.Score);
            WriteTime(w, o.FirstTime);
            WriteTime(w, o.LastTime);
            w.WriteStartArray();
            foreach (var d in o.Detections)
            {
                w.WriteNumberValue(d);
            }

            w.WriteEndArray();
            w.WriteStartArray();
            foreach (var e in o.Events.Take(MaxRiskEventsPerObject))
            {
                w.WriteStartArray();
                w.WriteNumberValue(e.Detection);
                w.WriteNumberValue(e.Score);
                WriteTime(w, e.Time);
                w.WriteStringValue(e.Message);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteNumberValue(o.Events.Count);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    private int Origin(int id)
    {
        if (!_origins.TryGetValue(id, out var index))
        {
            index = _originList.Count;
            _originList.Add(EventOrigins.Get(id));
            _origins[id] = index;
        }

        return index;
    }

    private int Field(string name)
    {
        if (!_fields.TryGetValue(name, out var index))
        {
            index = _fields.Count;
            _fields[name] = index;
        }

        return index;
    }

    private static void WriteTime(Utf8JsonWriter w, double t)
    {
        if (double.IsNaN(t) || double.IsInfinity(t))
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteNumberValue(Math.Round(t, 3));
        }
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }
}
