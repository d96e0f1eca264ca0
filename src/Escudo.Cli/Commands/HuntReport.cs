using System.Net;
using System.Text;
using System.Text.Json;
using Escudo.Detections.Running;

namespace Escudo.Cli.Commands;

/// <summary>The hunt's report for people (one self-contained HTML file) and an ATT&amp;CK Navigator layer.</summary>
internal static class HuntReport
{
    public static void WriteHtml(string path, HuntSummary s)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset='utf-8'><title>Escudo hunt report</title><style>")
          .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}th{background:#f3f3f3}details{margin:.5em 0}code{font-size:12px}.muted{color:#777}")
          .Append("</style></head><body>");
        sb.Append("<h1>Escudo hunt report</h1>");
        sb.Append($"<p>{s.Events:N0} events, {s.Runs.Count(r => r.Error is null)} detections run, {s.Runs.Count(r => r.Error is not null)} could not run, {s.Runs.Count(r => r.Fired)} fired, in {s.Seconds:0.00} s.</p>");
        var risks = s.Runs.SelectMany(r => r.RiskEvents).ToList();
        sb.Append("<h2>Risk by object</h2><table><tr><th>risk object</th><th>type</th><th>score</th><th>timeline</th></tr>");
        foreach (var g in risks.GroupBy(e => (e.Get("risk_object").ToDisplayString(), e.Get("risk_object_type").ToDisplayString())).OrderByDescending(g => g.Sum(Score)))
        {
            sb.Append("<tr><td>").Append(H(g.Key.Item1)).Append("</td><td>").Append(H(g.Key.Item2)).Append("</td><td>").Append(g.Sum(Score)).Append("</td><td>");
            foreach (var e in g.OrderBy(e => e.Time))
            {
                var t = DateTimeOffset.FromUnixTimeMilliseconds((long)(e.Time * 1000)).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
                sb.Append("<div><span class='muted'>").Append(t).Append("</span> +").Append(Score(e)).Append(' ').Append(H(e.Get("risk_message").ToDisplayString())).Append("</div>");
            }

            sb.Append("</td></tr>");
        }

        sb.Append("</table><h2>ATT&amp;CK techniques that fired</h2><p>");
        sb.Append(string.Join(", ", s.Runs.Where(r => r.Fired).SelectMany(r => r.Detection.Tags.MitreAttackId ?? []).Distinct().Order().Select(H)));
        sb.Append("</p><h2>Detections that fired</h2>");
        foreach (var r in s.Runs.Where(r => r.Fired))
        {
            sb.Append("<details><summary><b>").Append(H(r.Detection.Name)).Append("</b> (").Append(r.Results.Count).Append(" results)</summary>");
            sb.Append("<p>").Append(H(r.Detection.Description ?? string.Empty)).Append("</p><p><code>").Append(H(r.ExpandedSearch)).Append("</code></p>");
            var cols = ResultWriter.Columns(r.Results);
            sb.Append("<table><tr>").Append(string.Concat(cols.Select(c => "<th>" + H(c) + "</th>"))).Append("</tr>");
            foreach (var row in r.Results.Take(200))
            {
                sb.Append("<tr>").Append(string.Concat(cols.Select(c => "<td>" + H(row.Get(c).ToDisplayString()) + "</td>"))).Append("</tr>");
            }

            sb.Append("</table></details>");
        }

        var failed = s.Runs.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            sb.Append("<h2>Detections that could not run</h2><table><tr><th>file</th><th>reason</th></tr>");
            foreach (var r in failed)
            {
                sb.Append("<tr><td>").Append(H(r.Detection.File)).Append("</td><td>").Append(H(r.Error!)).Append("</td></tr>");
            }

            sb.Append("</table>");
        }

        sb.Append("</body></html>");
        File.WriteAllText(path, sb.ToString());
    }

    private static double Score(Core.Events.Row e) => e.Get("risk_score").TryGetNumber(out var x) ? x : 0;

    private static string H(string s) => WebUtility.HtmlEncode(s);

    /// <summary>An ATT&amp;CK Navigator layer (format 4.5) scoring each technique by the number of detections that fired on it.</summary>
    public static void WriteNavigatorLayer(string path, IEnumerable<DetectionRun> runs)
    {
        var counts = runs.Where(r => r.Fired)
            .SelectMany(r => (r.Detection.Tags.MitreAttackId ?? []).Select(t => (Technique: t, r.Detection.Name)))
            .GroupBy(x => x.Technique)
            .ToList();
        using var f = File.Create(path);
        using var w = new Utf8JsonWriter(f, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("name", "Escudo hunt");
        w.WriteStartObject("versions");
        w.WriteString("layer", "4.5");
        w.WriteString("navigator", "4.9.1");
        w.WriteString("attack", "15");
        w.WriteEndObject();
        w.WriteString("domain", "enterprise-attack");
        w.WriteString("description", "Techniques of the detections that fired in an Escudo hunt");
        w.WriteStartArray("techniques");
        foreach (var g in counts)
        {
            w.WriteStartObject();
            w.WriteString("techniqueID", g.Key);
            w.WriteNumber("score", g.Count());
            w.WriteString("comment", string.Join("; ", g.Select(x => x.Name).Distinct()));
            w.WriteBoolean("enabled", true);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("gradient");
        w.WriteStartArray("colors");
        w.WriteStringValue("#ffe766");
        w.WriteStringValue("#ff6666");
        w.WriteEndArray();
        w.WriteNumber("minValue", 0);
        w.WriteNumber("maxValue", Math.Max(1, counts.Count == 0 ? 1 : counts.Max(g => g.Count())));
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
