using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Web;

/// <summary>
/// Risk Analysis: risk score by object over event time (uPlot), the objects with the most risk,
/// and for one object its contributing detections and the risk-based correlation detections
/// (ESCU type <c>Correlation</c>) whose notables name it.
/// </summary>
internal sealed class RiskPage(ConsoleServices s)
{
    public const int MaxRead = 100_000;
    public const int ChartObjects = 5;
    public const int TableObjects = 200;

    private sealed record RiskEvent(string Object, string Type, double Time, double Score, string Detection, string Message);

    public async Task Show(HttpContext ctx)
    {
        if (s.Auth.RequirePage(ctx) is not { } user)
        {
            return;
        }

        var (events, truncated) = Load(ctx.RequestAborted);
        var selected = ctx.Request.Query["object"].ToString();
        var byObject = events.GroupBy(e => e.Object, StringComparer.OrdinalIgnoreCase)
            .Select(g => (Object: g.Key, Type: g.First().Type, Score: g.Sum(e => e.Score), Count: g.Count(), Detections: g.Select(e => e.Detection).Distinct(StringComparer.Ordinal).Count(), First: g.Min(e => e.Time), Last: g.Max(e => e.Time)))
            .OrderByDescending(o => o.Score).ThenBy(o => o.Object, StringComparer.Ordinal).ToList();
        var h = new Html();
        h.El("h1", "Risk Analysis");
        if (truncated)
        {
            h.Raw("<p class=\"notice\">").Text($"Only the first {Html.Number(MaxRead)} risk events were read.").Raw("</p>");
        }

        if (events.Count == 0)
        {
            h.Raw("<p class=\"muted\">No risk events yet: detections with risk objects write them when they fire.</p>");
            await ConsoleLayout.Write(ctx, new PageFrame("Risk Analysis", "/risk", user, s.Auth.FormToken(ctx)), h);
            return;
        }

        var chartObjects = selected.Length > 0 ? [selected] : byObject.Take(ChartObjects).Select(o => o.Object).ToList();
        Chart(h, events, chartObjects);
        h.El("h2", "Risk by object");
        h.Raw("<div class=\"table-wrap\"><table id=\"risk-objects\"><thead><tr><th scope=\"col\">Risk object</th><th scope=\"col\">Type</th><th scope=\"col\" class=\"num\">Risk score</th><th scope=\"col\" class=\"num\">Risk events</th><th scope=\"col\" class=\"num\">Detections</th><th scope=\"col\">First event</th><th scope=\"col\">Last event</th></tr></thead><tbody>");
        foreach (var o in byObject.Take(TableObjects))
        {
            h.Raw("<tr><td>").Link("/risk?object=" + Uri.EscapeDataString(o.Object), o.Object).Raw("</td><td>").Text(o.Type).Raw("</td><td class=\"num\">").Text(Html.Number(o.Score))
                .Raw("</td><td class=\"num\">").Text(Html.Number(o.Count)).Raw("</td><td class=\"num\">").Text(Html.Number(o.Detections)).Raw("</td><td>").Time(o.First).Raw("</td><td>").Time(o.Last).Raw("</td></tr>");
        }

        h.Raw("</tbody></table></div>");
        if (byObject.Count > TableObjects)
        {
            h.Raw("<p class=\"muted\">").Text($"{Html.Number(byObject.Count - TableObjects)} more objects with less risk are not listed.").Raw("</p>");
        }

        if (selected.Length > 0)
        {
            ObjectDetail(h, ctx, selected, events.Where(e => e.Object.Equals(selected, StringComparison.OrdinalIgnoreCase)).ToList());
        }

        await ConsoleLayout.Write(ctx, new PageFrame(selected.Length > 0 ? "Risk: " + selected : "Risk Analysis", "/risk", user, s.Auth.FormToken(ctx)), h);
    }

    private (List<RiskEvent> Events, bool Truncated) Load(CancellationToken ct)
    {
        var pushdown = new Pushdown(new Dictionary<string, IReadOnlyList<string>> { ["index"] = ["risk"] });
        var result = new List<RiskEvent>();
        foreach (var r in s.Store.Scan(new ScanRequest(new TimeRange(null, null)), pushdown, ct))
        {
            if (r.Get(FieldTable.Index).FirstString() != "risk" || r.Get("risk_object").FirstString() is not { } obj)
            {
                continue;
            }

            if (result.Count == MaxRead)
            {
                return (result, true);
            }

            var time = r.Get("escudo_first_time").TryGetNumber(out var ft) && !double.IsNaN(ft) ? ft : r.Time;
            result.Add(new RiskEvent(
                obj,
                r.Get("risk_object_type").FirstString() ?? "other",
                time,
                r.Get("risk_score").TryGetNumber(out var sc) && !double.IsNaN(sc) ? sc : 0,
                r.Get("search_name").FirstString() ?? "(unknown)",
                r.Get("risk_message").FirstString() ?? string.Empty));
        }

        return (result, false);
    }

    /// <summary>Cumulative risk score per object over event time, one line per object, drawn by uPlot.</summary>
    private static void Chart(Html h, List<RiskEvent> events, List<string> objects)
    {
        var times = events.Where(e => objects.Contains(e.Object, StringComparer.OrdinalIgnoreCase)).Select(e => e.Time).Where(t => !double.IsNaN(t)).ToList();
        if (times.Count == 0)
        {
            return;
        }

        var (x, _, span) = SearchPage.Buckets(times);
        var series = objects.Select(o =>
        {
            var y = new double[x.Length];
            foreach (var e in events.Where(e => e.Object.Equals(o, StringComparison.OrdinalIgnoreCase) && !double.IsNaN(e.Time)))
            {
                y[Math.Clamp((int)Math.Floor((e.Time - x[0]) / span), 0, x.Length - 1)] += e.Score;
            }

            for (var i = 1; i < y.Length; i++)
            {
                y[i] += y[i - 1]; // cumulative: how risky the object has become by then
            }

            return new { label = o, y };
        }).ToList();
        h.Raw("<section class=\"panel\" aria-labelledby=\"risk-chart-title\"><h2 id=\"risk-chart-title\">Cumulative risk score over event time (UTC)</h2>")
            .Raw("<div id=\"risk-chart\" class=\"chart\" role=\"img\" aria-label=\"").Attr("Cumulative risk score of " + string.Join(", ", objects)).Raw("\"></div>")
            .Json("risk-data", new { x, series }).Raw("</section>");
    }

    private void ObjectDetail(Html h, HttpContext ctx, string obj, List<RiskEvent> events)
    {
        h.Raw("<section aria-labelledby=\"object-title\"><h2 id=\"object-title\">").Text("Risk object " + obj).Raw("</h2>");
        if (events.Count == 0)
        {
            h.Raw("<p class=\"muted\">No risk events name this object.</p></section>");
            return;
        }

        h.El("h3", "Contributing detections").Raw("<div class=\"table-wrap\"><table id=\"contributing\"><thead><tr><th scope=\"col\">Detection</th><th scope=\"col\" class=\"num\">Risk events</th><th scope=\"col\" class=\"num\">Risk score</th><th scope=\"col\">Last event</th><th scope=\"col\">Latest message</th></tr></thead><tbody>");
        foreach (var g in events.GroupBy(e => e.Detection, StringComparer.Ordinal).OrderByDescending(g => g.Sum(e => e.Score)))
        {
            var last = g.MaxBy(e => e.Time)!;
            h.Raw("<tr><td>").Text(g.Key).Raw("</td><td class=\"num\">").Text(Html.Number(g.Count())).Raw("</td><td class=\"num\">").Text(Html.Number(g.Sum(e => e.Score)))
                .Raw("</td><td>").Time(last.Time).Raw("</td><td><div class=\"cell\">").Text(last.Message).Raw("</div></td></tr>");
        }

        h.Raw("</tbody></table></div>");
        var (notables, _) = NotableSet.Load(s.Store, s.Reviews, s.Content, ctx.RequestAborted);
        var correlations = notables.Where(n => (n.Row.Get("detection_type").FirstString() ?? string.Empty).Equals("Correlation", StringComparison.OrdinalIgnoreCase)
            && Names(n.Row, obj)).ToList();
        h.El("h3", "Risk-based correlations that fired for it");
        if (correlations.Count == 0)
        {
            h.Raw("<p class=\"muted\">No correlation detection has raised a notable for this object.</p>");
        }
        else
        {
            h.Raw("<ul>");
            foreach (var n in correlations)
            {
                h.Raw("<li>").Link("/incident-review/" + n.Id, n.Title).Raw(" — ").Time(n.EventTime).Raw("</li>");
            }

            h.Raw("</ul>");
        }

        h.Raw("<p>").Link("/search?q=" + Uri.EscapeDataString($"index=risk normalized_risk_object=\"{obj.ToLowerInvariant()}\""), "Search this object's risk events").Raw("</p></section>");
    }

    private static bool Names(Row notable, string obj) =>
        new[] { "risk_object", "normalized_risk_object", "dest", "user", "src" }.Any(f =>
        {
            var v = notable.Get(f);
            return !v.IsNull && (v.IsMulti ? v.Items.ToArray().Contains(obj, StringComparer.OrdinalIgnoreCase) : v.ToDisplayString().Equals(obj, StringComparison.OrdinalIgnoreCase));
        });
}
