using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Detections.Running;

namespace Escudo.Cli.Commands.Report;

/// <summary>
/// The report's data, in two blocks that the page's script renders. The core block holds what the
/// first screen draws: the detections, the hits and the risk objects as columns, with repeated
/// strings in a string table. The detail block holds what only an opened row or the text filter
/// reads (each hit's result fields, the risk events and their messages); the page writes it
/// gzip-compressed, since it is most of the bytes and the browser pays for every byte it loads.
/// </summary>
internal sealed class ReportData
{
    /// <summary>Hits the report holds at most; past it the page says how many are left out (all are in timeline.jsonl and results.jsonl).</summary>
    public const int MaxHits = 200_000;

    /// <summary>Risk events listed per risk object, the earliest first; the page says how many more there are (all are in risk.jsonl).</summary>
    public const int MaxRiskEventsPerObject = 100;

    /// <summary>A result field value longer than this is cut in the report (marked "…"), as in the timeline.</summary>
    public const int MaxFieldText = HuntTimeline.MaxFieldText;

    private readonly ReportStrings _coreStrings = new();
    private readonly ReportStrings _detailStrings = new();
    private readonly ReportHitColumns _hits;

    private ReportData(HuntSummary summary, DateTimeOffset generated)
    {
        Summary = summary;
        Generated = generated;
        Fired = [.. summary.Runs.Where(r => r.Fired)];
        DetectionIndex = Fired.Select((r, i) => (r, i)).ToDictionary(x => x.r, x => x.i, (IEqualityComparer<DetectionRun>)ReferenceEqualityComparer.Instance);
        Hits = [.. summary.Hits.Take(MaxHits)];
        Risk = ReportRisk.ByObject(Fired.SelectMany(r => r.RiskEvents.Select(e => (DetectionIndex[r], e))));
        BaseTime = Hits.Select(h => ReportColumn.Ms(h.Time)).FirstOrDefault(t => t is not null) ?? 0;

        // The few risk object types first, so that the 50,000 objects refer to them with one digit.
        foreach (var type in Risk.Select(o => o.Type).Distinct())
        {
            _coreStrings.Of(type);
        }

        _hits = new ReportHitColumns(Hits, r => DetectionIndex[r], _coreStrings, _detailStrings);
    }

    public HuntSummary Summary { get; }

    public DateTimeOffset Generated { get; }

    /// <summary>The detections that fired, in run order; hits and risk events refer to them by index.</summary>
    public List<DetectionRun> Fired { get; }

    public Dictionary<DetectionRun, int> DetectionIndex { get; }

    /// <summary>The hits the page holds, in event time.</summary>
    public List<TimelineHit> Hits { get; }

    public List<RiskObject> Risk { get; }

    /// <summary>The earliest hit's event time in milliseconds (0 when no hit has one): risk objects' times are written from it.</summary>
    public long BaseTime { get; }

    public static ReportData From(HuntSummary summary, DateTimeOffset generated) => new(summary, generated);

    /// <summary>Writes the core block. The default encoder escapes &lt;, &gt; and &amp;, so no value can end the script element it sits in.</summary>
    public void WriteCore(Stream output)
    {
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        WriteMeta(w);
        WriteDetections(w);
        _hits.WriteCore(w);
        ReportRiskColumns.WriteCore(w, Risk, BaseTime, _coreStrings);
        w.WriteStartArray("origins");
        foreach (var o in _hits.Origins)
        {
            w.WriteStartArray();
            w.WriteNumberValue(_coreStrings.Of(o?.Input ?? "(unknown input)"));
            w.WriteNumberValue(_coreStrings.Of(o?.Channel));
            w.WriteNumberValue(_coreStrings.Of(o?.Computer));
            w.WriteBooleanValue(o?.RecordIsPosition ?? false);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteStartArray("fields");
        foreach (var name in _hits.FieldNames)
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
        _coreStrings.Write(w, "strings");
        w.WriteEndObject();
    }

    /// <summary>Writes the detail block (uncompressed; the page compresses it).</summary>
    public void WriteDetail(Stream output)
    {
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        _hits.WriteDetail(w);
        ReportRiskColumns.WriteDetail(w, Risk, _detailStrings);
        _detailStrings.Write(w, "strings");
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
        w.WriteNumber("baseTime", BaseTime);
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
