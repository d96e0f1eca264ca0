using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Web;

/// <summary>
/// Incident Review: the notables in event time with urgency, status, owner, detection and risk
/// objects; filters and text search; bulk edit of status, owner and comment (kept with an audit
/// trail in the store).
/// </summary>
internal sealed class IncidentReviewPage(ConsoleServices s)
{
    /// <summary>Rows shown on one page; the page says how many more matched.</summary>
    public const int PageRows = 500;

    private static readonly string[] Urgencies = ["critical", "high", "medium", "low", "informational"];

    public async Task List(HttpContext ctx)
    {
        if (s.Auth.RequirePage(ctx) is not { } user)
        {
            return;
        }

        var q = ctx.Request.Query;
        var now = s.Now();
        var (earliest, e1) = TimeInput.Parse(q["earliest"], now, "From");
        var (latest, e2) = TimeInput.Parse(q["latest"], now, "To");
        var (all, truncated) = NotableSet.Load(s.Store, s.Reviews, s.Content, ctx.RequestAborted);
        string urgency = q["urgency"].ToString(), status = q["status"].ToString(), owner = q["owner"].ToString().Trim(), detection = q["detection"].ToString(), text = q["q"].ToString().Trim();
        var matching = all.Where(n =>
                (urgency.Length == 0 || n.Urgency.Equals(urgency, StringComparison.OrdinalIgnoreCase))
                && (status.Length == 0 || n.Status.Equals(status, StringComparison.OrdinalIgnoreCase))
                && (owner.Length == 0 || n.Owner.Contains(owner, StringComparison.OrdinalIgnoreCase))
                && (detection.Length == 0 || n.Detection.Equals(detection, StringComparison.Ordinal))
                && (earliest is null || (n.LastTime ?? n.EventTime) >= earliest)
                && (latest is null || n.EventTime < latest)
                && (text.Length == 0 || n.SearchText.Contains(text, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        var token = s.Auth.FormToken(ctx);
        var h = new Html();
        h.El("h1", "Incident Review");
        foreach (var error in new[] { e1, e2 }.OfType<string>())
        {
            h.Raw("<p class=\"notice error\" role=\"alert\">").Text(error).Raw("</p>");
        }

        Filters(h, q, all, urgency, status, detection);
        h.Raw("<p id=\"count\" role=\"status\">").Text($"{Html.Number(matching.Count)} of {Html.Number(all.Count)} notables match")
            .Text(matching.Count > PageRows ? $"; the {Html.Number(PageRows)} latest in event time are shown — narrow the filters to see the others" : string.Empty)
            .Text(truncated ? $"; the store holds more than {Html.Number(NotableSet.MaxRead)} notables and only that many were read" : string.Empty)
            .Raw(".</p>");
        var back = ctx.Request.Path + ctx.Request.QueryString;
        h.Raw("<form method=\"post\" action=\"/incident-review/edit\" id=\"bulk\">")
            .Raw("<input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"").Attr(token).Raw("\">")
            .Raw("<input type=\"hidden\" name=\"return\" value=\"").Attr(back).Raw("\">");
        EditFields(h, "Edit selected notables", "Apply to selected");
        h.Raw("<div class=\"table-wrap\"><table id=\"notables\"><caption class=\"sr-only\">Notables, latest event time first</caption><thead><tr>")
            .Raw("<th scope=\"col\"><input type=\"checkbox\" id=\"select-all\" aria-label=\"Select all shown notables\"></th>")
            .Raw("<th scope=\"col\">Event time (UTC)</th><th scope=\"col\">Urgency</th><th scope=\"col\">Status</th><th scope=\"col\">Owner</th><th scope=\"col\">Detection</th><th scope=\"col\">Risk objects</th><th scope=\"col\">Title</th></tr></thead><tbody>");
        foreach (var n in matching.Take(PageRows))
        {
            h.Raw("<tr data-id=\"").Attr(n.Id).Raw("\"><td><input type=\"checkbox\" name=\"id\" value=\"").Attr(n.Id).Raw("\" aria-label=\"Select: ").Attr(n.Title).Raw("\"></td><td>")
                .Time(n.EventTime).Raw("</td><td>").Badge(n.Urgency).Raw("</td><td class=\"status\">").Badge(n.Status).Raw("</td><td class=\"owner\">").Text(n.Owner)
                .Raw("</td><td>").Text(n.Detection).Raw("</td><td><div class=\"cell\">").Text(n.RiskObjects).Raw("</div></td><td><div class=\"cell\">")
                .Link("/incident-review/" + n.Id, n.Title).Raw("</div></td></tr>");
        }

        h.Raw("</tbody></table></div></form>");
        if (matching.Count == 0)
        {
            h.Raw("<p class=\"muted\">").Text(all.Count == 0 ? "No notables yet: detections write them when they find something (see Detections to run one now)." : "No notable matches these filters.").Raw("</p>");
        }

        await ConsoleLayout.Write(ctx, new PageFrame("Incident Review", "/incident-review", user, token), h);
    }

    /// <summary>The status, owner and comment fields of an edit form; an empty field leaves that value as it is.</summary>
    internal static void EditFields(Html h, string legend, string button)
    {
        h.Raw("<fieldset class=\"panel edit\"><legend>").Text(legend).Raw("</legend><div class=\"filters\">")
            .Raw("<label>Status <select name=\"status\"><option value=\"\">(keep)</option>");
        foreach (var st in Storage.NotableReviews.Statuses)
        {
            h.Raw("<option>").Text(st).Raw("</option>");
        }

        h.Raw("</select></label><label>Owner <input name=\"owner\" maxlength=\"200\" placeholder=\"(keep)\"></label>")
            .Raw("<label class=\"grow\">Comment <input name=\"comment\" maxlength=\"4000\" placeholder=\"(keep)\"></label>")
            .Raw("<button type=\"submit\">").Text(button).Raw("</button></div></fieldset>");
    }

    private static void Filters(Html h, IQueryCollection q, List<NotableView> all, string urgency, string status, string detection)
    {
        h.Raw("<form class=\"filters\" method=\"get\" action=\"/incident-review\" role=\"search\" aria-label=\"Filter notables\">");
        Select(h, "urgency", "Urgency", Urgencies, urgency);
        Select(h, "status", "Status", Storage.NotableReviews.Statuses, status);
        h.Raw("<label>Owner <input name=\"owner\" value=\"").Attr(q["owner"]).Raw("\"></label>");
        Select(h, "detection", "Detection", [.. all.Select(n => n.Detection).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], detection);
        h.Raw("<label>From (event time) <input name=\"earliest\" value=\"").Attr(q["earliest"]).Raw("\" placeholder=\"2024-03-04 or -7d\"></label>")
            .Raw("<label>To <input name=\"latest\" value=\"").Attr(q["latest"]).Raw("\" placeholder=\"now\"></label>")
            .Raw("<label>Text <input type=\"search\" name=\"q\" value=\"").Attr(q["q"]).Raw("\"></label>")
            .Raw("<button type=\"submit\">Filter</button> <a class=\"button secondary\" href=\"/incident-review\">Clear</a></form>");
    }

    private static void Select(Html h, string name, string label, IReadOnlyList<string> options, string selected)
    {
        h.Raw("<label>").Text(label).Raw(" <select name=\"").Attr(name).Raw("\"><option value=\"\">All</option>");
        foreach (var o in options)
        {
            h.Raw("<option").Raw(o.Equals(selected, StringComparison.OrdinalIgnoreCase) ? " selected" : string.Empty).Raw(">").Text(o).Raw("</option>");
        }

        h.Raw("</select></label>");
    }

    /// <summary><c>POST /incident-review/edit</c>: status, owner and comment of the selected notables, audited, then back to the page.</summary>
    public async Task Edit(HttpContext ctx)
    {
        if (s.Auth.RequirePage(ctx) is not { } user || !await s.Auth.CheckForm(ctx))
        {
            return;
        }

        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var ids = form["id"].Where(i => !string.IsNullOrEmpty(i)).Select(i => i!).Distinct(StringComparer.Ordinal).ToList();
        string? Field(string name) => form[name].ToString() is { Length: > 0 } v ? v.Trim() : null;
        if (ids.Count == 0)
        {
            await ConsoleLayout.Message(ctx, 400, "Nothing selected", "Select at least one notable to edit.");
            return;
        }

        var (all, _) = NotableSet.Load(s.Store, s.Reviews, s.Content, ctx.RequestAborted);
        var known = all.ToDictionary(n => n.Id, StringComparer.Ordinal);
        if (ids.FirstOrDefault(i => !known.ContainsKey(i)) is { } missing)
        {
            await ConsoleLayout.Message(ctx, 400, "Unknown notable", $"No notable has the id '{missing}'; nothing was changed.");
            return;
        }

        try
        {
            s.Reviews.Apply(ids, Field("status"), Field("owner"), Field("comment"), user, s.Now(), id => NotableSet.StateOf(known[id]));
        }
        catch (ArgumentException e)
        {
            await ConsoleLayout.Message(ctx, 400, "Not saved", e.Message + "; nothing was changed.");
            return;
        }

        ctx.Response.Redirect(ConsoleAuth.SafeReturn(form["return"].ToString()));
    }
}
