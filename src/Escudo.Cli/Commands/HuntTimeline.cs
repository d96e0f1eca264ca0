using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Detections.Running;

namespace Escudo.Cli.Commands;

/// <summary>One hit (one result of one detection) as the timeline shows it.</summary>
/// <param name="Time">The earliest event time of the events behind the hit; NaN when none of them had one.</param>
internal sealed record TimelineHit(
    double Time,
    double LastTime,
    DetectionRun Run,
    Row Notable,
    Row Result,
    string Severity,
    double RiskScore,
    IReadOnlyList<string> Techniques,
    IReadOnlyList<string> Stories,
    string? Host,
    string? User,
    string? Process)
{
    public string Detection => Run.Detection.Name;

    public Evidence? Evidence => Notable.Evidence;
}

/// <summary>Which hits the timeline keeps (<c>hunt --severity --min-risk --story --technique --earliest --latest</c>); all when nothing is set.</summary>
internal sealed record TimelineFilter(string? MinSeverity, double? MinRisk, IReadOnlyList<string> Stories, IReadOnlyList<string> Techniques, double? Earliest, double? Latest)
{
    public static readonly string[] Severities = ["informational", "low", "medium", "high", "critical"];

    public static TimelineFilter None { get; } = new(null, null, [], [], null, null);

    public bool Keeps(TimelineHit h)
    {
        if (MinSeverity is not null && Array.IndexOf(Severities, h.Severity) < Array.IndexOf(Severities, MinSeverity))
        {
            return false;
        }

        if (MinRisk is { } r && h.RiskScore < r)
        {
            return false;
        }

        if (Stories.Count > 0 && !h.Stories.Any(s => Stories.Any(f => s.Contains(f, StringComparison.OrdinalIgnoreCase))))
        {
            return false;
        }

        // T1218 takes its sub-techniques (T1218.009) too.
        if (Techniques.Count > 0 && !h.Techniques.Any(t => Techniques.Any(f => t.Equals(f, StringComparison.OrdinalIgnoreCase) || t.StartsWith(f + ".", StringComparison.OrdinalIgnoreCase))))
        {
            return false;
        }

        // A hit with no event time cannot be placed in a time window, so a window leaves it out.
        if (Earliest is { } e && !(h.Time >= e))
        {
            return false;
        }

        return Latest is not { } l || h.Time < l;
    }

    /// <summary>A time bound: epoch seconds, ISO 8601 (UTC unless it says otherwise) or a relative modifier against now; null when it is none of these.</summary>
    public static double? ParseTime(string text, double now)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch))
        {
            return epoch;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return t.ToUnixTimeMilliseconds() / 1000.0;
        }

        return RelativeTime.Resolve(text, now);
    }
}

/// <summary>
/// The hunt's timeline: one line per hit, ordered by the event time of the events behind it (not
/// by when Escudo ran), with what an analyst reads first (detection, severity, technique, host,
/// user, process), the result's own fields, and the file and record of each event behind it.
/// </summary>
internal static class HuntTimeline
{
    private static readonly string[] HostFields = ["dest", "host", "dest_host", "Computer", "dvc", "src_host", "ComputerName", "src"];
    private static readonly string[] UserFields = ["user", "src_user", "user_name", "TargetUserName", "SubjectUserName", "User", "dest_user"];
    private static readonly string[] ProcessFields = ["process_name", "process", "Image", "process_path", "parent_process_name", "ParentImage", "service_name"];

    /// <summary>A result field value longer than this is cut in the timeline (marked with "…"); results.jsonl keeps it whole.</summary>
    public const int MaxFieldText = 512;

    /// <summary>Every hit of every run, in event time (hits with no event time last, in run order).</summary>
    public static List<TimelineHit> Hits(IEnumerable<DetectionRun> runs)
    {
        var hits = new List<TimelineHit>();
        foreach (var run in runs)
        {
            for (var i = 0; i < run.Notables.Count && i < run.Results.Count; i++)
            {
                var n = run.Notables[i];
                var e = n.Evidence;
                hits.Add(new TimelineHit(
                    e?.FirstTime ?? double.NaN,
                    e?.LastTime ?? double.NaN,
                    run,
                    n,
                    run.Results[i],
                    n.Get("severity").ToDisplayString(),
                    n.Get("risk_score").TryGetNumber(out var score) ? score : 0,
                    [.. n.Get("annotations.mitre_attack.mitre_technique_id").Items.ToArray()],
                    [.. n.Get("analyticstories").Items.ToArray()],
                    First(run.Results[i], HostFields),
                    First(run.Results[i], UserFields),
                    First(run.Results[i], ProcessFields)));
            }
        }

        // A stable sort: equal times keep run order, so the file is the same on every run.
        return [.. hits.Select((h, i) => (h, i)).OrderBy(x => double.IsNaN(x.h.Time) ? 1 : 0).ThenBy(x => double.IsNaN(x.h.Time) ? 0 : x.h.Time).ThenBy(x => x.i).Select(x => x.h)];
    }

    private static string? First(Row result, string[] names)
    {
        foreach (var name in names)
        {
            var v = result.Get(name);
            if (!v.IsNull)
            {
                return string.Join(", ", v.Items.ToArray());
            }
        }

        return null;
    }

    public static string IsoTime(double epoch) => double.IsNaN(epoch)
        ? string.Empty
        : DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(epoch * 1000)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>file:record for each event reference (file:#position for inputs without record numbers).</summary>
    public static string Locator(in EventRef r)
    {
        if (EventOrigins.Get(r.Origin) is not { } o)
        {
            return string.Empty;
        }

        var n = r.Record.ToString(CultureInfo.InvariantCulture);
        return o.RecordIsPosition ? $"{o.Input}:#{n}" : $"{o.Input}:{n}";
    }

    /// <summary>The result's fields as <c>name=value</c>, the long ones cut (see <see cref="MaxFieldText"/>).</summary>
    private static IEnumerable<(string Name, string Value)> ResultFields(Row result)
    {
        for (var i = 0; i < result.Count; i++)
        {
            var v = result.ValueAt(i);
            if (v.IsNull)
            {
                continue;
            }

            var text = v.IsMulti ? string.Join(", ", v.Items.ToArray()) : v.ToDisplayString();
            yield return (result.NameAt(i), text.Length > MaxFieldText ? text[..MaxFieldText] + "…" : text);
        }
    }

    private static readonly string[] Columns =
    [
        "time", "last_time", "detection", "detection_type", "severity", "risk_score", "mitre_technique", "host", "user", "process",
        "event_count", "evidence", "fields", "detection_id",
    ];

    /// <summary>
    /// The timeline as RFC 4180 CSV. It is meant to be opened in a spreadsheet, and attacker-made
    /// values (command lines, file names) that start with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c>
    /// would run there as formulas, so those are escaped (CSV injection).
    /// </summary>
    public static void WriteCsv(string path, IEnumerable<TimelineHit> hits)
    {
        using var csv = CsvWriter.ToFile(path, new CsvWriterOptions { Injection = CsvInjection.Escape });
        csv.WriteRecord(Columns);
        foreach (var h in hits)
        {
            csv.WriteRecord(
            [
                IsoTime(h.Time),
                IsoTime(h.LastTime),
                h.Detection,
                h.Run.Detection.Type,
                h.Severity,
                Value.FromNumber(h.RiskScore).ToDisplayString(),
                string.Join(' ', h.Techniques),
                h.Host ?? string.Empty,
                h.User ?? string.Empty,
                h.Process ?? string.Empty,
                (h.Evidence?.Count ?? 0).ToString(CultureInfo.InvariantCulture),
                h.Evidence is { } e ? string.Join(' ', e.Refs.ToArray().Select(r => Locator(r))) : string.Empty,
                string.Join("; ", ResultFields(h.Result).Select(f => f.Name + "=" + f.Value)),
                h.Run.Detection.Id,
            ]);
        }
    }

    public static void WriteJsonLines(string path, IEnumerable<TimelineHit> hits)
    {
        using var file = File.Create(path);
        foreach (var h in hits)
        {
            using (var w = new Utf8JsonWriter(file, ResultJson.WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("time", IsoTime(h.Time));
                w.WriteString("last_time", IsoTime(h.LastTime));
                if (!double.IsNaN(h.Time))
                {
                    w.WriteString("_time", Value.FromNumber(h.Time).ToDisplayString());
                }

                w.WriteString("detection", h.Detection);
                w.WriteString("detection_id", h.Run.Detection.Id);
                w.WriteString("detection_type", h.Run.Detection.Type);
                w.WriteString("severity", h.Severity);
                w.WriteString("risk_score", Value.FromNumber(h.RiskScore).ToDisplayString());
                WriteList(w, "mitre_technique", h.Techniques);
                WriteList(w, "analytic_story", h.Stories);
                WriteOptional(w, "host", h.Host);
                WriteOptional(w, "user", h.User);
                WriteOptional(w, "process", h.Process);
                w.WriteStartObject("fields");
                foreach (var (name, value) in ResultFields(h.Result))
                {
                    w.WriteString(name, value);
                }

                w.WriteEndObject();
                w.WriteString("event_count", (h.Evidence?.Count ?? 0).ToString(CultureInfo.InvariantCulture));
                w.WriteStartArray("evidence");
                if (h.Evidence is { } e)
                {
                    foreach (var r in e.Refs)
                    {
                        ResultJson.WriteRef(w, r);
                    }
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            file.Write("\n"u8);
        }
    }

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
