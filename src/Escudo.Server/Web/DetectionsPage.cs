using System.Globalization;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Server.Scheduling;
using Escudo.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Web;

/// <summary>
/// Detections: every loaded detection with its state (scheduled, unsupported with the reason, or
/// not scheduled), schedule, last and next run, last result count, and whether the store holds
/// the data it needs (the hunt's <see cref="DataReadiness"/>, fed by the store's summary of
/// sources, sourcetypes and event codes); "Run now" and "Backfill" over a past range.
/// </summary>
internal sealed class DetectionsPage(ConsoleServices s)
{
    public const int PageRows = 500;

    private sealed record Entry(Detection Detection, string State, string? Reason, bool? Ready);

    public async Task Show(HttpContext ctx)
    {
        if (s.Auth.RequirePage(ctx) is not { } user)
        {
            return;
        }

        var token = s.Auth.FormToken(ctx);
        var h = new Html();
        h.El("h1", "Detections");
        if (ctx.Request.Query["done"].ToString() is { Length: > 0 } done)
        {
            h.Raw("<p class=\"notice\" role=\"status\" id=\"run-result\">").Text(done).Raw("</p>");
        }

        var scheduler = s.Scheduler();
        if (s.Content is null)
        {
            h.Raw("<p class=\"muted\">No content folder is loaded (start the service with <code>--content DIR</code>).</p>");
            await ConsoleLayout.Write(ctx, new PageFrame("Detections", "/detections", user, token), h);
            return;
        }

        var entries = Entries(scheduler);
        var summary = new StoreSummary(s.DatabasePath);
        var runs = summary.LastRuns();
        var text = ctx.Request.Query["q"].ToString().Trim();
        var filter = ctx.Request.Query["show"].ToString();
        var shown = entries.Where(e =>
                (text.Length == 0 || e.Detection.Name.Contains(text, StringComparison.OrdinalIgnoreCase) || e.Detection.AllDataSources.Any(x => x.Contains(text, StringComparison.OrdinalIgnoreCase)))
                && filter switch
                {
                    "ready" => e.Ready == true,
                    "blind" => e.Ready == false,
                    "unsupported" => e.State == "unsupported",
                    "scheduled" => e.State == "scheduled",
                    _ => true,
                })
            .ToList();
        var scheduled = entries.Count(e => e.State == "scheduled");
        h.Raw("<div class=\"grid\">");
        Stat(h, entries.Count, "detections loaded");
        Stat(h, scheduled, $"scheduled ({s.Options.Cron}, window {s.Options.Earliest} to {s.Options.Latest})");
        Stat(h, entries.Count(e => e.State == "unsupported"), "unsupported");
        Stat(h, entries.Count(e => e.State == "scheduled" && e.Ready == true), "scheduled with their data in the store");
        Stat(h, entries.Count(e => e.State == "scheduled" && e.Ready == false), "scheduled but blind (no data)");
        h.Raw("</div>");
        Backfill(h, token, entries);
        h.Raw("<form class=\"filters\" method=\"get\" action=\"/detections\" role=\"search\" aria-label=\"Filter detections\"><label>Name or data source <input type=\"search\" name=\"q\" value=\"").Attr(text).Raw("\"></label>")
            .Raw("<label>Show <select name=\"show\">");
        foreach (var (value, label) in new[] { (string.Empty, "All"), ("scheduled", "Scheduled"), ("ready", "Data present"), ("blind", "Data missing"), ("unsupported", "Unsupported") })
        {
            h.Raw("<option value=\"").Attr(value).Raw("\"").Raw(value == filter ? " selected" : string.Empty).Raw(">").Text(label).Raw("</option>");
        }

        h.Raw("</select></label><button type=\"submit\">Filter</button></form>");
        h.Raw("<p role=\"status\">").Text($"{Html.Number(shown.Count)} detections" + (shown.Count > PageRows ? $"; the first {PageRows} are listed" : string.Empty) + ".").Raw("</p>");
        Table(h, token, shown.Take(PageRows), runs, scheduler);
        await ConsoleLayout.Write(ctx, new PageFrame("Detections", "/detections", user, token), h);
    }

    private static void Stat(Html h, int n, string label) =>
        h.Raw("<div class=\"stat\"><div class=\"value\">").Text(Html.Number(n)).Raw("</div><div class=\"label\">").Text(label).Raw("</div></div>");

    private List<Entry> Entries(DetectionScheduler? scheduler)
    {
        var readiness = DataReadiness.Load(s.Content!.Root);
        foreach (var kind in new StoreSummary(s.DatabasePath).Kinds())
        {
            // The store keeps EventCode (or EventID) as a column: one row per kind stands for its events.
            var row = new Row(4);
            row.Set(FieldTable.Source, Value.FromString(kind.Source));
            row.Set(FieldTable.SourceType, Value.FromString(kind.SourceType));
            row.Set("EventCode", Value.FromString(kind.EventCode));
            row.Set("EventID", Value.FromString(kind.EventCode));
            readiness.Observe(row);
        }

        var scheduledKeys = scheduler?.Detections.Select(DetectionScheduler.KeyOf).ToHashSet(StringComparer.Ordinal) ?? [];
        var unsupported = scheduler?.Unsupported.ToDictionary(u => DetectionScheduler.KeyOf(u.Detection), u => u.Reason, StringComparer.Ordinal) ?? [];
        return [.. s.Content.Detections.Select(d =>
        {
            var key = DetectionScheduler.KeyOf(d);
            var (state, reason) = scheduledKeys.Contains(key) ? ("scheduled", (string?)null)
                : unsupported.TryGetValue(key, out var why) ? ("unsupported", why)
                : scheduler is null ? ("not scheduled", "the scheduler is off (--no-scheduler)")
                : ("not scheduled", d.IsDeprecated ? "deprecated" : d.Status.Equals("experimental", StringComparison.OrdinalIgnoreCase) && !s.Options.IncludeExperimental ? "experimental (includeExperimental is off)" : "not selected by --only");
            return new Entry(d, state, reason, readiness.Ready(d));
        }).OrderBy(e => e.Detection.Name, StringComparer.Ordinal)];
    }

    private void Table(Html h, string token, IEnumerable<Entry> entries, Dictionary<string, LastRun> runs, DetectionScheduler? scheduler)
    {
        var cron = CronSchedule.Parse(s.Options.Cron);
        var next = cron.GetNextOccurrence(s.Time.GetUtcNow().UtcDateTime) is { } n ? new DateTimeOffset(n, TimeSpan.Zero).ToUnixTimeMilliseconds() / 1000.0 : (double?)null;
        h.Raw("<div class=\"table-wrap\"><table id=\"detections\"><caption class=\"sr-only\">Loaded detections</caption><thead><tr>")
            .Raw("<th scope=\"col\">Detection</th><th scope=\"col\">State</th><th scope=\"col\">Data in the store</th><th scope=\"col\">Last run</th><th scope=\"col\" class=\"num\">Last results</th><th scope=\"col\">Next run</th><th scope=\"col\">Run</th></tr></thead><tbody>");
        foreach (var e in entries)
        {
            var key = DetectionScheduler.KeyOf(e.Detection);
            var run = runs.GetValueOrDefault(key);
            h.Raw("<tr data-detection=\"").Attr(e.Detection.Name).Raw("\"><th scope=\"row\">").Text(e.Detection.Name).Raw("<div class=\"muted\">").Text(e.Detection.Type).Raw("</div></th><td>")
                .Badge(e.State == "scheduled" ? "Enabled" : e.State == "unsupported" ? "Unsupported" : "Disabled");
            if (e.Reason is not null)
            {
                h.Raw("<div class=\"cell muted\">").Text(e.Reason).Raw("</div>");
            }

            h.Raw("</td><td class=\"readiness\">").Text(e.Ready switch { true => "Present", false => "Missing", null => "Unknown" })
                .Raw("<div class=\"cell muted\">").Text(e.Detection.AllDataSources.Count > 0 ? string.Join(", ", e.Detection.AllDataSources) : "no data source named").Raw("</div></td><td>");
            if (run is null)
            {
                h.Raw("<span class=\"muted\">never</span>");
            }
            else
            {
                h.Time(run.RanAt).Raw(" ").Badge(run.Status);
                if (run.Error is not null)
                {
                    h.Raw("<div class=\"cell error\">").Text(run.Error).Raw("</div>");
                }
            }

            h.Raw("</td><td class=\"num\">").Text(run is null ? "–" : $"{run.Results} results, {run.Notables} notables").Raw("</td><td>")
                .Time(e.State == "scheduled" ? next : null).Raw("</td><td>");
            if (e.State == "scheduled" && scheduler is not null)
            {
                h.Raw("<form method=\"post\" action=\"/detections/run\"><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"").Attr(token).Raw("\">")
                    .Raw("<input type=\"hidden\" name=\"id\" value=\"").Attr(key).Raw("\"><input type=\"hidden\" name=\"action\" value=\"run\">")
                    .Raw("<button type=\"submit\" class=\"secondary\" aria-label=\"").Attr("Run now: " + e.Detection.Name).Raw("\">Run now</button></form>");
            }

            h.Raw("</td></tr>");
        }

        h.Raw("</tbody></table></div>");
    }

    private static void Backfill(Html h, string token, List<Entry> entries)
    {
        h.Raw("<form method=\"post\" action=\"/detections/run\" class=\"panel\" id=\"backfill\"><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"").Attr(token).Raw("\">")
            .Raw("<input type=\"hidden\" name=\"action\" value=\"backfill\"><h2>Backfill</h2>")
            .Raw("<p class=\"muted\">Runs every scheduled window that covers a past range, so events sent late (historic logs through HEC) raise their notables now. Windows already run are not run again.</p>")
            .Raw("<div class=\"filters\"><label>Detection <select name=\"id\"><option value=\"*\">All scheduled detections</option>");
        foreach (var e in entries.Where(e => e.State == "scheduled"))
        {
            h.Raw("<option value=\"").Attr(DetectionScheduler.KeyOf(e.Detection)).Raw("\">").Text(e.Detection.Name).Raw("</option>");
        }

        h.Raw("</select></label><label>From (UTC) <input name=\"from\" required placeholder=\"2024-03-04 00:00\"></label>")
            .Raw("<label>To (UTC) <input name=\"to\" required placeholder=\"2024-03-05 00:00\"></label><button type=\"submit\">Backfill</button></div></form>");
    }

    /// <summary><c>POST /detections/run</c>: run now, or backfill a range; back to the page with what happened.</summary>
    public async Task Run(HttpContext ctx)
    {
        if (s.Auth.RequirePage(ctx) is null || !await s.Auth.CheckForm(ctx))
        {
            return;
        }

        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var scheduler = s.Scheduler();
        var id = form["id"].ToString();
        var targets = scheduler?.Detections.Where(d => id == "*" || DetectionScheduler.KeyOf(d) == id).ToList() ?? [];
        if (scheduler is null || targets.Count == 0)
        {
            await ConsoleLayout.Message(ctx, 400, "Cannot run", scheduler is null ? "The scheduler is off (--no-scheduler): nothing can run." : $"No scheduled detection has the id '{id}'.");
            return;
        }

        string done;
        try
        {
            done = form["action"].ToString() == "backfill"
                ? await BackfillAsync(scheduler, targets, form["from"], form["to"], ctx.RequestAborted)
                : await RunNowAsync(scheduler, targets.Single(), ctx.RequestAborted);
        }
        catch (ArgumentException e)
        {
            await ConsoleLayout.Message(ctx, 400, "Not run", e.Message);
            return;
        }
        catch (Exception e) when (e is IOException or DuckDB.NET.Data.DuckDBException)
        {
            await ConsoleLayout.Message(ctx, 503, "Not recorded", "The store refused the run's results: " + e.Message + ". Nothing was recorded; try again when the store is healthy (see Data).");
            return;
        }

        ctx.Response.Redirect("/detections?done=" + Uri.EscapeDataString(done));
    }

    private static async Task<string> RunNowAsync(DetectionScheduler scheduler, Detection d, CancellationToken ct)
    {
        var r = await scheduler.RunNowAsync(d, ct);
        return r.Status == "success"
            ? $"Ran {d.Name} over {Html.ShowTime(r.Earliest)} to {Html.ShowTime(r.Latest)}: {r.Results} results, {r.Notables} notables."
            : $"Ran {d.Name}: {r.Status}: {r.Error}";
    }

    private async Task<string> BackfillAsync(DetectionScheduler scheduler, List<Detection> targets, string? fromText, string? toText, CancellationToken ct)
    {
        var now = s.Now();
        var (from, e1) = TimeInput.Parse(fromText, now, "From");
        var (to, e2) = TimeInput.Parse(toText, now, "To");
        if ((e1 ?? e2) is not null || from is null || to is null)
        {
            throw new ArgumentException((e1 ?? e2) ?? "a backfill needs both From and To");
        }

        int ran = 0, already = 0, notables = 0;
        foreach (var d in targets)
        {
            var r = await scheduler.BackfillAsync(d, from.Value, to.Value, ct);
            (ran, already, notables) = (ran + r.Ran, already + r.AlreadyRun, notables + r.Notables);
        }

        return string.Create(CultureInfo.InvariantCulture, $"Backfilled {targets.Count} detection(s) over {Html.ShowTime(from.Value)} to {Html.ShowTime(to.Value)}: {ran} windows run, {already} already run, {notables} notables.");
    }
}
