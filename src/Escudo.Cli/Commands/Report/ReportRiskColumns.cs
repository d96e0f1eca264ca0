using System.Text.Json;

namespace Escudo.Cli.Commands.Report;

/// <summary>
/// Risk by object as columns: each object's summary (the table's row) in the core block, and the
/// risk events listed under it, with their messages, in the detail block, read when a row is opened.
/// Times: an object's first event from the report's base time, its last from its first, its risk
/// events' times from its first (milliseconds; null for none).
/// </summary>
internal static class ReportRiskColumns
{
    public static void WriteCore(Utf8JsonWriter w, IReadOnlyList<RiskObject> risk, long baseTime, ReportStrings strings)
    {
        w.WriteStartObject("risk");
        w.WriteNumber("n", risk.Count);
        ReportColumn.Write(w, "obj", risk.Select(o => (long)strings.Of(o.Object)).ToList());
        ReportColumn.Write(w, "type", risk.Select(o => (long)strings.Of(o.Type)).ToList());
        ReportColumn.Write(w, "score", risk.Select(o => o.Score).ToList());
        ReportColumn.Write(w, "first", risk.Select(o => ReportColumn.Ms(o.FirstTime) - baseTime).ToList());
        ReportColumn.Write(w, "last", risk.Select(o => ReportColumn.Ms(o.LastTime) - ReportColumn.Ms(o.FirstTime)).ToList());
        ReportColumn.Write(w, "dets", risk.Select(o => o.Detections).ToList(), (x, dets) =>
        {
            x.WriteStartArray();
            foreach (var d in dets)
            {
                x.WriteNumberValue(d);
            }

            x.WriteEndArray();
        });

        // Risk events in all, and how many of them the detail block lists (the earliest, up to the cap).
        ReportColumn.Write(w, "count", risk.Select(o => (long)o.Events.Count).ToList());
        ReportColumn.Write(w, "listed", risk.Select(o => (long)Math.Min(o.Events.Count, ReportData.MaxRiskEventsPerObject)).ToList());
        w.WriteEndObject();
    }

    public static void WriteDetail(Utf8JsonWriter w, IReadOnlyList<RiskObject> risk, ReportStrings strings)
    {
        var listed = risk.SelectMany(o => o.Events.Take(ReportData.MaxRiskEventsPerObject).Select(e => (Object: o, Event: e))).ToList();
        w.WriteStartObject("risk");
        ReportColumn.Write(w, "det", listed.Select(x => (long)x.Event.Detection).ToList());
        ReportColumn.Write(w, "score", listed.Select(x => x.Event.Score).ToList());
        ReportColumn.Write(w, "time", listed.Select(x => ReportColumn.Ms(x.Event.Time) - (ReportColumn.Ms(x.Object.FirstTime) ?? 0)).ToList());
        ReportColumn.Write(w, "msg", listed.Select(x => (long)strings.Of(x.Event.Message)).ToList());
        w.WriteEndObject();
    }
}
