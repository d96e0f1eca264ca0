using Escudo.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Web;

/// <summary>
/// Data: what has come in and whether the service is well: the ingest rate (chart of the last
/// hour), events per sourcetype, host and index, the store's size, its health, and the recent
/// errors (store and scheduler).
/// </summary>
internal sealed class DataPage(ConsoleServices s, IngestRate rate)
{
    public const int TopRows = 50;

    public async Task Show(HttpContext ctx)
    {
        if (s.Auth.RequirePage(ctx) is not { } user)
        {
            return;
        }

        var summary = new StoreSummary(s.DatabasePath);
        var health = s.Queue.Health.Snapshot();
        var status = (string?)health["status"] ?? "unknown";
        var now = s.Now();
        var uptime = Math.Max(1, now - rate.Started);
        var (first, last) = summary.TimeSpan();
        var h = new Html();
        h.El("h1", "Data");
        h.Raw("<div class=\"grid\">");
        Stat(h, Html.Number(Math.Round(rate.RecentPerSecond(), 1)), "events/s accepted over the last minute");
        Stat(h, Html.Number(s.Stats.EventsAccepted), $"events accepted since the service started ({Html.Number(Math.Round(s.Stats.EventsAccepted / uptime, 1))}/s on average)");
        Stat(h, Html.Number(s.Store.CountEvents()), "events in the store (notables and risk included)");
        Stat(h, Bytes(summary.BytesOnDisk()), "store size on disk");
        Stat(h, Html.Number(s.Stats.EventsRejected), "events refused (bad HEC requests)");
        h.Raw("</div>");
        h.Raw("<section class=\"panel\" aria-labelledby=\"health-title\"><h2 id=\"health-title\">Health</h2><p>").Badge(status == "ok" ? "OK" : "Degraded");
        if (health["reason"] is string reason)
        {
            h.Raw(" ").Text(reason).Raw(" since ").Time(health["since"] as double?);
        }

        h.Raw("</p>");
        if (health["last_error"] is string lastError)
        {
            h.Raw("<p>Last store error ").Time(health["last_error_at"] as double?).Raw(": <span class=\"error\">").Text(lastError).Raw("</span></p>");
        }

        h.Raw("<p class=\"muted\">Event times in the store: ").Time(first).Raw(" to ").Time(last).Raw(".</p></section>");
        RateChart(h);
        h.Raw("<div class=\"grid two\">");
        Counts(h, "By sourcetype", "by-sourcetype", "Sourcetype", summary.CountBy("sourcetype", TopRows));
        Counts(h, "By host", "by-host", "Host", summary.CountBy("host", TopRows));
        Counts(h, "By index", "by-index", "Index", summary.Indexes());
        h.Raw("</div>");
        RecentErrors(h);
        await ConsoleLayout.Write(ctx, new PageFrame("Data", "/data", user, s.Auth.FormToken(ctx)), h);
    }

    private static void Stat(Html h, string value, string label) =>
        h.Raw("<div class=\"stat\"><div class=\"value\">").Text(value).Raw("</div><div class=\"label\">").Text(label).Raw("</div></div>");

    internal static string Bytes(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1024 * 1024 => $"{n / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{n / (1024.0 * 1024):0.0} MiB",
        _ => $"{n / (1024.0 * 1024 * 1024):0.00} GiB",
    };

    private void RateChart(Html h)
    {
        var series = rate.Series();
        var x = new List<double>();
        var y = new List<double>();
        for (var i = 1; i < series.Count; i++)
        {
            var dt = series[i].At - series[i - 1].At;
            if (dt > 0)
            {
                x.Add(series[i].At);
                y.Add((series[i].Count - series[i - 1].Count) / dt);
            }
        }

        h.Raw("<section class=\"panel\" aria-labelledby=\"rate-title\"><h2 id=\"rate-title\">Ingest rate, last hour (events/s, UTC)</h2>");
        if (x.Count < 2)
        {
            h.Raw("<p class=\"muted\">").Text($"The rate is sampled every {IngestRate.Period.TotalSeconds:0} s; the chart appears after two samples.").Raw("</p></section>");
            return;
        }

        h.Raw("<div id=\"rate-chart\" class=\"chart\" role=\"img\" aria-label=\"Events accepted per second over the last hour\"></div>")
            .Json("rate-data", new { x, y, label = "events/s" }).Raw("</section>");
    }

    private static void Counts(Html h, string title, string id, string column, List<(string Name, long Count)> rows)
    {
        h.Raw("<section class=\"panel\" aria-labelledby=\"").Attr(id + "-title").Raw("\"><h2 id=\"").Attr(id + "-title").Raw("\">").Text(title).Raw("</h2>");
        if (rows.Count == 0)
        {
            h.Raw("<p class=\"muted\">No events yet.</p></section>");
            return;
        }

        h.Raw("<div class=\"table-wrap\"><table id=\"").Attr(id).Raw("\"><thead><tr><th scope=\"col\">").Text(column).Raw("</th><th scope=\"col\" class=\"num\">Events</th></tr></thead><tbody>");
        foreach (var (name, count) in rows)
        {
            h.Raw("<tr><td>").Text(name).Raw("</td><td class=\"num\">").Text(Html.Number(count)).Raw("</td></tr>");
        }

        h.Raw("</tbody></table></div>");
        if (rows.Count == TopRows)
        {
            h.Raw("<p class=\"muted\">").Text($"The {TopRows} largest are listed.").Raw("</p>");
        }

        h.Raw("</section>");
    }

    private void RecentErrors(Html h)
    {
        var errors = s.Store.Runs(2000).Where(r => r.Status == "error").Take(20).ToList();
        h.Raw("<section class=\"panel\" aria-labelledby=\"errors-title\"><h2 id=\"errors-title\">Recent errors</h2>")
            .Raw("<p>").Text($"Commits failed: {Html.Number(s.Queue.FailedCommits)}; HEC requests refused: {Html.Number(s.Stats.RequestsRejected)}; failed searches: {Html.Number(s.Stats.SearchErrors)}; requests answered with an error: {Html.Number(s.Stats.RequestErrors)}. Each is logged with its reason.").Raw("</p>");
        if (errors.Count == 0)
        {
            h.Raw("<p class=\"muted\">No scheduled run failed recently.</p></section>");
            return;
        }

        h.Raw("<div class=\"table-wrap\"><table id=\"run-errors\"><thead><tr><th scope=\"col\">Ran at</th><th scope=\"col\">Detection</th><th scope=\"col\">Error</th></tr></thead><tbody>");
        foreach (var r in errors)
        {
            h.Raw("<tr><td>").Time(r.RanAt).Raw("</td><td>").Text(r.Detection).Raw("</td><td><div class=\"cell error\">").Text(r.Error).Raw("</div></td></tr>");
        }

        h.Raw("</tbody></table></div></section>");
    }
}
