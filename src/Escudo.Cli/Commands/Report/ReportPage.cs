using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Escudo.Detections.Running;
using Escudo.Server.Web;

namespace Escudo.Cli.Commands.Report;

/// <summary>
/// The hunt report as one self-contained HTML file: the console's stylesheet and uPlot inlined
/// from <see cref="WebAssets"/>, the page's script and its own rules from this assembly, and the
/// data as two blocks (<see cref="ReportData"/>). The summary, the navigation, the filters and the list of detections
/// that could not run are HTML; the tables, the chart and the heat map are drawn by the script.
/// </summary>
internal static class ReportPage
{
    public static void Write(string path, HuntSummary summary, DateTimeOffset generated)
    {
        var data = ReportData.From(summary, generated);
        using var file = File.Create(path);
        using (var head = new StreamWriter(file, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
        {
            head.Write(Head());
            head.Write(Body(data));
            head.Write("<script type=\"application/json\" id=\"report-data\">");
        }

        data.WriteCore(file);
        Text(file, "</script>\n<script type=\"application/octet-stream\" id=\"report-detail\" data-encoding=\"gzip+base64\">");
        WriteCompressed(file, data.WriteDetail);
        using var tail = new StreamWriter(file, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        tail.Write("</script>\n<script>");
        tail.Write(WebAssets.Text("vendor/uplot.iife.min.js"));
        tail.Write("</script>\n<script>");
        tail.Write(Asset("report-ui.js"));
        tail.Write("</script>\n<script>");
        tail.Write(Asset("report.js"));
        tail.Write("</script>\n</body>\n</html>\n");
    }

    private static void Text(Stream file, string text)
    {
        using var writer = new StreamWriter(file, new UTF8Encoding(false), 1 << 12, leaveOpen: true);
        writer.Write(text);
    }

    /// <summary>
    /// Gzip, then base64 (whose letters cannot end a script element): the browser inflates it
    /// with its own DecompressionStream. Compressed, the detail block is a tenth of its size, and
    /// loading the page costs in proportion to its bytes.
    /// </summary>
    private static void WriteCompressed(Stream file, Action<Stream> write)
    {
        using var base64 = new CryptoStream(file, new ToBase64Transform(), CryptoStreamMode.Write, leaveOpen: true);
        using var gzip = new GZipStream(base64, CompressionLevel.Optimal, leaveOpen: true);
        write(gzip);
    }

    private static string Head() =>
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + "<title>Escudo hunt report</title>\n<style>\n" + WebAssets.Text("escudo.css") + "\n" + WebAssets.Text("vendor/uplot.min.css") + "\n" + Asset("report.css") + "</style>\n</head>\n";

    private static string Body(ReportData data)
    {
        var s = data.Summary;
        var sb = new StringBuilder();
        sb.Append("<body>\n<a class=\"skip-link\" href=\"#main\">Skip to the report</a>\n<header class=\"topbar\"><span class=\"brand\">Escudo</span>")
          .Append("<nav aria-label=\"Report sections\"><ul>");
        foreach (var (id, title) in Sections)
        {
            sb.Append("<li><a href=\"#").Append(id).Append("\">").Append(title).Append("</a></li>");
        }

        sb.Append("</ul></nav><span class=\"who\" id=\"top-status\" aria-live=\"polite\"></span></header>\n<main id=\"main\">\n")
          .Append("<noscript><p class=\"notice error\">This report draws its tables and charts with JavaScript. Without it, read notables.jsonl, risk.jsonl, results.jsonl and timeline.csv, which hold the same hits.</p></noscript>\n");
        Overview(sb, data);
        sb.Append("<section id=\"timeline\" aria-labelledby=\"h-timeline\"><h2 id=\"h-timeline\">Timeline</h2>")
          .Append("<figure class=\"chart-figure panel\"><figcaption id=\"chart-caption\"></figcaption><div id=\"chart\" class=\"chart\"></div></figure>")
          .Append("<p class=\"muted\">Every hit in event time: the time of the earliest event behind it, not when the search ran. Result values over ")
          .Append(ReportData.MaxFieldText).Append(" characters are cut (…); results.jsonl and notables.jsonl hold them whole.")
          .Append(" <span id=\"path-note\"></span></p>")
          .Append("<div id=\"hits-table\"></div></section>\n");
        sb.Append("<section id=\"risk\" aria-labelledby=\"h-risk\"><h2 id=\"h-risk\">Risk by object</h2>")
          .Append("<p id=\"risk-note\" class=\"muted\"></p><p class=\"muted\">Every risk event of the hunt, summed per object as Risk Analysis sums it; the filters apply to hits, not to this table.</p>")
          .Append("<div id=\"risk-table\"></div><button type=\"button\" id=\"risk-toggle\" class=\"secondary\" aria-controls=\"risk-table\" hidden>Show all</button></section>\n");
        sb.Append("<section id=\"attack\" aria-labelledby=\"h-attack\"><h2 id=\"h-attack\">ATT&amp;CK techniques</h2>")
          .Append("<p class=\"muted\">Techniques of the detections with hits under the filters, darker with more hits. ESCU's detections name techniques, not tactics, so they are grouped by technique, sub-techniques under their parent. Choose one to filter on it.</p>")
          .Append("<div id=\"attack-map\"></div></section>\n");
        sb.Append("<section id=\"detections\" aria-labelledby=\"h-detections\"><h2 id=\"h-detections\">Detections</h2><p id=\"detections-note\" class=\"muted\"></p><div id=\"detection-list\"></div></section>\n");
        CouldNotRun(sb, s.Runs);
        sb.Append("</main>\n");
        return sb.ToString();
    }

    private static readonly (string Id, string Title)[] Sections =
    [
        ("overview", "Overview"), ("timeline", "Timeline"), ("risk", "Risk by object"), ("attack", "ATT&amp;CK"), ("detections", "Detections"), ("failed", "Could not run"),
    ];

    private static void Overview(StringBuilder sb, ReportData data)
    {
        var s = data.Summary;
        var timed = data.Hits.Where(h => !double.IsNaN(h.Time)).ToList();
        sb.Append("<section id=\"overview\" aria-labelledby=\"h-overview\"><h1 id=\"h-overview\">Escudo hunt report</h1>")
          .Append("<p class=\"muted\">Generated ").Append(H(data.Generated.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)))
          .Append(" in ").Append(s.Seconds.ToString("0.00", CultureInfo.InvariantCulture)).Append(" s. All times are UTC.");
        if (timed.Count > 0)
        {
            sb.Append(" Hits span ").Append(Time(timed[0].Time)).Append(" to ").Append(Time(timed.Max(h => h.LastTime is var l && !double.IsNaN(l) ? l : h.Time))).Append(" in event time.");
        }

        sb.Append("</p><div class=\"grid\">");
        Stat(sb, s.Events, "events read");
        Stat(sb, s.Runs.Count(r => r.Error is null), "detections run");
        Stat(sb, data.Fired.Count, "detections fired");
        Stat(sb, s.Hits.Count, "hits");
        Stat(sb, data.Risk.Count, "risk objects");
        Stat(sb, s.Runs.Count(r => r.Error is not null), "could not run");
        sb.Append("</div>");
        sb.Append("<p>Data readiness: ").Append(N(s.Ready)).Append(" detections had the data they need in the input, ").Append(N(s.Blind))
          .Append(" did not, ").Append(N(s.Runs.Count - s.Ready - s.Blind)).Append(" name no known data source.</p>");
        if (data.Hits.Count < s.Hits.Count)
        {
            sb.Append("<p class=\"notice\">This page holds the first ").Append(N(data.Hits.Count)).Append(" of ").Append(N(s.Hits.Count))
              .Append(" hits in event time (the report's limit); timeline.jsonl, notables.jsonl and results.jsonl hold all of them.</p>");
        }

        sb.Append("<h2>Filters</h2><form id=\"filters\" class=\"filters\" role=\"search\" aria-label=\"Filter hits\">")
          .Append("<label>Severity at least<select id=\"f-severity\"><option value=\"\">any</option>");
        for (var i = 1; i < TimelineFilter.Severities.Length; i++)
        {
            sb.Append("<option value=\"").Append(i).Append("\">").Append(TimelineFilter.Severities[i]).Append("</option>");
        }

        sb.Append("</select></label>")
          .Append("<label>Detection<select id=\"f-detection\" class=\"wide\"><option value=\"\">any</option></select></label>")
          .Append("<label>Host<input type=\"text\" id=\"f-host\" list=\"f-host-list\" autocomplete=\"off\"></label><datalist id=\"f-host-list\"></datalist>")
          .Append("<label>Technique<select id=\"f-technique\"><option value=\"\">any</option></select></label>")
          .Append("<label>Text<input type=\"search\" id=\"f-text\" class=\"wide\" placeholder=\"user, process, file, value…\"></label>")
          .Append("<label>From (UTC)<input type=\"text\" id=\"f-from\" placeholder=\"e.g. 2024-03-04 10:00\" aria-describedby=\"f-error\"></label>")
          .Append("<label>To (UTC)<input type=\"text\" id=\"f-to\" placeholder=\"e.g. 2024-03-05\" aria-describedby=\"f-error\"></label>")
          .Append("<button type=\"reset\" class=\"secondary\">Clear filters</button></form>")
          .Append("<p id=\"f-error\" class=\"filter-error\" role=\"alert\"></p><p id=\"filter-status\" aria-live=\"polite\"></p></section>\n");
    }

    private static void CouldNotRun(StringBuilder sb, List<DetectionRun> runs)
    {
        var failed = runs.Where(r => r.Error is not null).OrderBy(r => r.Detection.File, StringComparer.Ordinal).ToList();
        sb.Append("<section id=\"failed\" aria-labelledby=\"h-failed\"><h2 id=\"h-failed\">Could not run</h2>");
        if (failed.Count == 0)
        {
            sb.Append("<p>Every selected detection ran.</p></section>\n");
            return;
        }

        sb.Append("<p>").Append(N(failed.Count)).Append(failed.Count == 1 ? " detection" : " detections")
          .Append(" could not run, each with the reason (<code>escudo check</code> gives the same list without data).</p>")
          .Append("<details class=\"failed-list\"><summary>Show all ").Append(N(failed.Count)).Append(" with their reasons</summary><div class=\"table-wrap\"><table><caption class=\"sr-only\">Detections that could not run</caption><thead><tr><th scope=\"col\">Detection</th><th scope=\"col\">File</th><th scope=\"col\">Reason</th></tr></thead><tbody>");
        foreach (var r in failed)
        {
            sb.Append("<tr><td>").Append(H(r.Detection.Name)).Append("</td><td><code>").Append(H(r.Detection.File)).Append("</code></td><td><div class=\"cell\">")
              .Append(H(r.Error!)).Append("</div></td></tr>");
        }

        sb.Append("</tbody></table></div></details></section>\n");
    }

    private static void Stat(StringBuilder sb, long value, string label) =>
        sb.Append("<div class=\"stat\"><div class=\"value\">").Append(N(value)).Append("</div><div class=\"label\">").Append(label).Append("</div></div>");

    private static string Time(double t) =>
        "<time datetime=\"" + HuntTimeline.IsoTime(t) + "\">" + DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(t * 1000)).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) + "</time>";

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string H(string s) => WebUtility.HtmlEncode(s);

    /// <summary>The report's own script and stylesheet, embedded in this assembly (Commands/Report/Assets).</summary>
    private static string Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("report/" + name)
            ?? throw new InvalidOperationException($"the report asset '{name}' is not embedded in the build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
