using System.Globalization;
using System.Text.Json;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Web;

/// <summary>
/// One notable: what it is, where its events came from (<c>escudo_evidence</c>, count and event
/// times), the ESCU detection's description, how to implement it, known false positives and
/// ATT&amp;CK ids, its drilldown searches (run in the Search page on click), its audit trail and
/// every field it carries.
/// </summary>
internal sealed class NotableDetailPage(ConsoleServices s)
{
    public async Task Show(HttpContext ctx, string id)
    {
        if (s.Auth.RequirePage(ctx) is not { } user)
        {
            return;
        }

        var (all, _) = NotableSet.Load(s.Store, s.Reviews, s.Content, ctx.RequestAborted);
        if (all.FirstOrDefault(n => n.Id == id) is not { } n)
        {
            await ConsoleLayout.Message(ctx, 404, "Notable not found", $"No notable has the id '{id}'. It may be from another server's store.", user);
            return;
        }

        var d = s.Content?.Detections.FirstOrDefault(x => x.Id == n.RuleId && n.RuleId.Length > 0);
        var token = s.Auth.FormToken(ctx);
        var h = new Html();
        h.Raw("<p><a href=\"/incident-review\">← Incident Review</a></p>").El("h1", n.Title);
        h.Raw("<div class=\"panel\"><dl class=\"facts\">");
        Fact(h, "Detection").Text(n.Detection).Raw("</dd>");
        Fact(h, "Urgency").Badge(n.Urgency).Raw("</dd>");
        Fact(h, "Status").Badge(n.Status).Raw("</dd>");
        Fact(h, "Owner").Text(n.Owner).Raw("</dd>");
        Fact(h, "Risk objects").Text(n.RiskObjects.Length > 0 ? n.RiskObjects : "–").Raw("</dd>");
        Fact(h, "First event").Time(n.EventTime).Raw("</dd>");
        Fact(h, "Last event").Time(n.LastTime).Raw("</dd>");
        Fact(h, "Notable _time").Time(n.Time).Raw("</dd>");
        Fact(h, "ATT&CK").Text(Joined(n.Row.Get("annotations.mitre_attack"), d?.Tags.MitreAttackId)).Raw("</dd>");
        Fact(h, "Analytic stories").Text(Joined(n.Row.Get("analyticstories"), d?.Tags.AnalyticStory)).Raw("</dd>");
        if (n.Comment is not null)
        {
            Fact(h, "Comment").Text(n.Comment).Raw("</dd>");
        }

        h.Raw("</dl></div>");
        h.Raw("<form method=\"post\" action=\"/incident-review/edit\"><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"").Attr(token).Raw("\">")
            .Raw("<input type=\"hidden\" name=\"id\" value=\"").Attr(n.Id).Raw("\"><input type=\"hidden\" name=\"return\" value=\"").Attr("/incident-review/" + n.Id).Raw("\">");
        IncidentReviewPage.EditFields(h, "Edit this notable", "Save");
        h.Raw("</form>");
        Provenance(h, n);
        Drilldowns(h, n, d);
        Escu(h, d);
        Audit(h, n.Id);
        Fields(h, n);
        await ConsoleLayout.Write(ctx, new PageFrame(n.Title, "/incident-review", user, token), h);
    }

    private static Html Fact(Html h, string label) => h.El("dt", label).Raw("<dd>");

    private static string Joined(Core.Values.Value v, List<string>? fallback)
    {
        var items = v.IsNull ? fallback ?? [] : v.IsMulti ? v.Items.ToArray().ToList() : [v.ToDisplayString()];
        return items.Count == 0 ? "–" : string.Join(", ", items);
    }

    private static void Provenance(Html h, NotableView n)
    {
        h.El("h2", "Provenance");
        var count = n.Row.Get("escudo_evidence_count");
        if (count.IsNull)
        {
            h.El("p", "This notable records no contributing events (it was written before provenance was kept, or its result was not made from events).");
        }
        else
        {
            h.Raw("<p>").Text($"Made from {count.ToDisplayString()} event(s), first at ").Time(n.EventTime).Text(", last at ").Time(n.LastTime).Raw(".</p>");
        }

        var refs = EvidenceOf(n.Row.Get(Core.Events.FieldTable.Raw).FirstString());
        if (refs.Count == 0)
        {
            h.Raw("<p class=\"muted\">No per-event references (file or HEC source, record) are stored with this notable; its drilldown searches below find the events.</p>");
            return;
        }

        h.Raw("<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Source</th><th scope=\"col\">Channel</th><th scope=\"col\">Computer</th><th scope=\"col\">Record</th><th scope=\"col\">Event time</th></tr></thead><tbody>");
        foreach (var r in refs)
        {
            h.Raw("<tr><td><div class=\"cell\">").Text(r.GetValueOrDefault("file") ?? r.GetValueOrDefault("source") ?? r.GetValueOrDefault("host")).Raw("</div></td><td>").Text(r.GetValueOrDefault("channel"))
                .Raw("</td><td>").Text(r.GetValueOrDefault("computer")).Raw("</td><td class=\"num\">").Text(r.GetValueOrDefault("record") ?? r.GetValueOrDefault("position") ?? r.GetValueOrDefault("row"))
                .Raw("</td><td>").Time(r.GetValueOrDefault("time") is { } t && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var tv) ? tv : null).Raw("</td></tr>");
        }

        h.Raw("</tbody></table></div>");
    }

    /// <summary>The <c>escudo_evidence</c> objects in a notable's stored JSON, each as its string fields.</summary>
    private static List<Dictionary<string, string>> EvidenceOf(string? raw)
    {
        var result = new List<Dictionary<string, string>>();
        if (raw is null)
        {
            return result;
        }

        try
        {
            using var doc = JsonDocument.Parse(raw);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("escudo_evidence", out var ev) && ev.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in ev.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                {
                    result.Add(item.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal));
                }
            }
        }
        catch (JsonException)
        {
            // A notable whose _raw is not JSON (written by another tool): no references to show.
        }

        return result;
    }

    /// <summary>
    /// The detection's drilldown searches with <c>$field$</c> tokens filled from the notable,
    /// <c>%original_detection_search%</c> replaced by the detection's search, and
    /// <c>$info_min_time$</c>/<c>$info_max_time$</c> as the notable's first and last event time.
    /// </summary>
    internal static List<(string Name, string Search, double? Earliest, double? Latest)> DrilldownsOf(NotableView n, Detection? d)
    {
        var earliest = Math.Floor(n.EventTime);
        var latest = Math.Floor(n.LastTime ?? n.EventTime) + 1;
        var result = new List<(string, string, double?, double?)>();
        if (d?.DrilldownSearches is { Count: > 0 } list)
        {
            foreach (var x in list)
            {
                var search = AlertBuilder.Fill(x.Search.Replace("%original_detection_search%", d.Search, StringComparison.Ordinal), n.Row);
                result.Add((AlertBuilder.Fill(x.Name, n.Row), search,
                    x.EarliestOffset is "$info_min_time$" ? earliest : null,
                    x.LatestOffset is "$info_max_time$" ? latest : null));
            }

            return result;
        }

        // Without the content folder: the drilldowns the notable carries, already filled when it was written.
        var stored = n.Row.Get("drilldown_searches");
        foreach (var item in stored.IsMulti ? stored.Items.ToArray() : stored.IsNull ? [] : [stored.ToDisplayString()])
        {
            var split = item.IndexOf(" :: ", StringComparison.Ordinal);
            if (split > 0)
            {
                result.Add((item[..split], item[(split + 4)..], earliest, latest));
            }
        }

        return result;
    }

    private static void Drilldowns(Html h, NotableView n, Detection? d)
    {
        h.El("h2", "Drilldown searches");
        var list = DrilldownsOf(n, d);
        if (list.Count == 0)
        {
            h.Raw("<p class=\"muted\">The detection defines no drilldown searches.</p>");
            return;
        }

        h.Raw("<ul class=\"drilldowns\">");
        foreach (var (name, search, earliest, latest) in list)
        {
            var url = "/search?q=" + Uri.EscapeDataString(search)
                + (earliest is { } e ? "&earliest=" + e.ToString(CultureInfo.InvariantCulture) : string.Empty)
                + (latest is { } l ? "&latest=" + l.ToString(CultureInfo.InvariantCulture) : string.Empty);
            h.Raw("<li>").Link(url, name).Raw("<pre class=\"spl\">").Text(search).Raw("</pre></li>");
        }

        h.Raw("</ul>");
    }

    private static void Escu(Html h, Detection? d)
    {
        h.El("h2", "Detection");
        if (d is null)
        {
            h.Raw("<p class=\"muted\">This notable's detection is not in the loaded content folder.</p>");
            return;
        }

        Section(h, "Description", d.Description);
        Section(h, "How to implement", d.HowToImplement);
        Section(h, "Known false positives", d.KnownFalsePositives);
        if (d.References is { Count: > 0 } refs)
        {
            h.El("h3", "References").Raw("<ul>");
            foreach (var r in refs)
            {
                h.Raw("<li>").Text(r).Raw("</li>");
            }

            h.Raw("</ul>");
        }

        h.El("h3", "Search").Raw("<pre class=\"spl\">").Text(d.Search).Raw("</pre>");
    }

    private static void Section(Html h, string title, string? text)
    {
        h.El("h3", title).El("p", string.IsNullOrWhiteSpace(text) ? "–" : text.Trim());
    }

    private void Audit(Html h, string id)
    {
        h.El("h2", "History");
        var entries = s.Reviews.Audit(id);
        if (entries.Count == 0)
        {
            h.Raw("<p class=\"muted\">No changes yet.</p>");
            return;
        }

        h.Raw("<div class=\"table-wrap\"><table id=\"audit\"><thead><tr><th scope=\"col\">When (UTC)</th><th scope=\"col\">Who</th><th scope=\"col\">Field</th><th scope=\"col\">Old</th><th scope=\"col\">New</th></tr></thead><tbody>");
        foreach (var e in entries)
        {
            h.Raw("<tr><td>").Time(e.At).Raw("</td><td>").Text(e.User).Raw("</td><td>").Text(e.Field).Raw("</td><td>").Text(e.Old ?? "–").Raw("</td><td>").Text(e.New ?? "–").Raw("</td></tr>");
        }

        h.Raw("</tbody></table></div>");
    }

    private static void Fields(Html h, NotableView n)
    {
        h.Raw("<details class=\"detail\"><summary>All fields</summary><div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Value</th></tr></thead><tbody>");
        for (var i = 0; i < n.Row.Count; i++)
        {
            if (n.Row.NameAt(i) == "_raw" || n.Row.ValueAt(i).IsNull)
            {
                continue;
            }

            h.Raw("<tr><th scope=\"row\">").Text(n.Row.NameAt(i)).Raw("</th><td><div class=\"cell\">").Text(n.Row.ValueAt(i).ToDisplayString()).Raw("</div></td></tr>");
        }

        h.Raw("</tbody></table></div></details>");
    }
}
