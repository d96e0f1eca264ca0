using System.Globalization;
using Escudo.Core.Events;
using Escudo.Core.Text;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Web;

/// <summary>
/// Search: an SPL box run by the same engine, limits and budgets as the REST API
/// (<see cref="Http.SearchEndpoints.Prepare"/>), with the results table, an event-count histogram
/// over time, a field sidebar with top values, and a compile error shown under the box with a caret
/// at its line and column.
/// </summary>
internal sealed class SearchPage(ConsoleServices s)
{
    /// <summary>Results read for the histogram and the field sidebar; past it the page says so.</summary>
    public const int ReadLimit = 10_000;

    /// <summary>Results shown in the table.</summary>
    public const int TableRows = 500;

    /// <summary>Characters of one value shown in a cell; the cell says how many more there are.</summary>
    public const int MaxCell = 2000;

    /// <summary>Longest search text the box takes.</summary>
    public const int MaxSearch = 100_000;

    public async Task Show(HttpContext ctx)
    {
        if (s.Auth.RequirePage(ctx) is not { } user)
        {
            return;
        }

        var q = ctx.Request.Query;
        var text = q["q"].ToString();
        var now = s.Now();
        var (earliest, e1) = TimeInput.Parse(q["earliest"], now, "Earliest");
        var (latest, e2) = TimeInput.Parse(q["latest"], now, "Latest");
        var h = new Html();
        h.El("h1", "Search");
        h.Raw("<form method=\"get\" action=\"/search\" role=\"search\" aria-label=\"Run a search\" class=\"panel\">")
            .Raw("<label class=\"block\">SPL <textarea class=\"spl\" id=\"spl\" name=\"q\" rows=\"3\" spellcheck=\"false\" maxlength=\"100000\">").Text(text).Raw("</textarea></label>")
            .Raw("<div class=\"filters\"><label>Earliest <input name=\"earliest\" value=\"").Attr(q["earliest"]).Raw("\" placeholder=\"-24h, 2024-03-04 or empty for all time\"></label>")
            .Raw("<label>Latest <input name=\"latest\" value=\"").Attr(q["latest"]).Raw("\" placeholder=\"now\"></label>")
            .Raw("<button type=\"submit\">Search</button></div></form>");
        if ((e1 ?? e2) is { } timeError)
        {
            h.Raw("<p class=\"notice error\" role=\"alert\">").Text(timeError).Raw("</p>");
        }
        else if (text.Length > MaxSearch)
        {
            h.Raw("<p class=\"notice error\" role=\"alert\">").Text($"The search is {text.Length:#,0} characters long; the box takes at most {MaxSearch:#,0}.").Raw("</p>");
        }
        else if (!string.IsNullOrWhiteSpace(text))
        {
            Run(h, ctx, text, earliest, latest);
        }
        else
        {
            h.Raw("<p class=\"muted\">Type a search such as <code>index=* | stats count by sourcetype</code>. Times are UTC.</p>");
        }

        await ConsoleLayout.Write(ctx, new PageFrame(string.IsNullOrWhiteSpace(text) ? "Search" : "Search: " + Shorten(text), "/search", user, s.Auth.FormToken(ctx)), h);
    }

    private void Run(Html h, HttpContext ctx, string text, double? earliest, double? latest)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        var prepared = s.Search.Prepare(text, earliest?.ToString("R", CultureInfo.InvariantCulture), latest?.ToString("R", CultureInfo.InvariantCulture), cts);
        if (prepared.Error is { } error)
        {
            ShowError(h, text, error.Text, prepared.ErrorOffset, prepared.ErrorLength);
            return;
        }

        var rows = new List<Row>();
        var truncated = false;
        try
        {
            foreach (var row in prepared.Rows!)
            {
                if (rows.Count == ReadLimit)
                {
                    truncated = true;
                    break;
                }

                rows.Add(row);
            }
        }
        catch (Exception e) when (s.Search.Classify(e, ctx.RequestAborted) is { } failure)
        {
            ShowError(h, text, failure.Text, null, 1);
            if (rows.Count == 0)
            {
                return;
            }
        }

        foreach (var w in prepared.Warnings)
        {
            h.Raw("<p class=\"notice\">").Text(w).Raw("</p>");
        }

        h.Raw("<p id=\"result-count\" role=\"status\">").Text(rows.Count == 1 ? "1 result" : $"{Html.Number(rows.Count)} results")
            .Text(truncated ? $" (the first {Html.Number(ReadLimit)}; the search found more — narrow it or use the REST export for all)" : string.Empty)
            .Text(rows.Count > TableRows ? $"; the table shows the first {Html.Number(TableRows)}" : string.Empty).Raw(".</p>");
        if (rows.Count == 0)
        {
            return;
        }

        Histogram(h, rows);
        h.Raw("<div class=\"with-sidebar\"><aside class=\"sidebar panel\" aria-label=\"Fields\"><h2>Fields</h2>");
        FieldSidebar.Write(h, rows, text);
        h.Raw("</aside><section aria-label=\"Results\">");
        ResultTable(h, rows);
        h.Raw("</section></div>");
    }

    /// <summary>The error, and the search's offending line with a caret under the column (also where the box's cursor is put).</summary>
    internal static void ShowError(Html h, string text, string message, int? offset, int length)
    {
        h.Raw("<div class=\"panel\" id=\"search-error\" role=\"alert\"><p class=\"error\">").Text(message).Raw("</p>");
        if (offset is { } o && o >= 0 && o <= text.Length)
        {
            var pos = SourcePosition.Of(text, o);
            var lineStart = o - (pos.Column - 1);
            var lineEnd = text.IndexOf('\n', lineStart);
            var line = text[lineStart..(lineEnd < 0 ? text.Length : lineEnd)].TrimEnd('\r');
            var caret = Math.Max(1, Math.Min(length, line.Length - (pos.Column - 1)));
            h.Raw("<pre class=\"spl-error\" data-offset=\"").Text(o.ToString(CultureInfo.InvariantCulture)).Raw("\" data-line=\"").Text(pos.Line.ToString(CultureInfo.InvariantCulture))
                .Raw("\" data-column=\"").Text(pos.Column.ToString(CultureInfo.InvariantCulture)).Raw("\" aria-label=\"")
                .Attr($"Line {pos.Line}, column {pos.Column}").Raw("\">").Text(line).Raw("\n<span class=\"caret\">").Text(new string(' ', pos.Column - 1) + new string('^', caret)).Raw("</span></pre>")
                .Raw("<p class=\"muted\">").Text($"At line {pos.Line}, column {pos.Column} of the search box.").Raw("</p>");
        }

        h.Raw("</div>");
    }

    /// <summary>Event counts over time: about 60 buckets of a round span, drawn by uPlot from the page's JSON.</summary>
    private static void Histogram(Html h, List<Row> rows)
    {
        var times = rows.Select(r => r.Time).Where(t => !double.IsNaN(t)).ToList();
        if (times.Count == 0)
        {
            h.Raw("<p class=\"muted\">No result has a _time: no timeline.</p>");
            return;
        }

        var (x, y, span) = Buckets(times);
        h.Raw("<section class=\"panel\" aria-labelledby=\"timeline-title\"><h2 id=\"timeline-title\">").Text($"Events over time ({SpanLabel(span)} buckets, UTC)").Raw("</h2>")
            .Raw("<div id=\"histogram\" class=\"chart\" role=\"img\" aria-label=\"").Attr($"Event counts per {SpanLabel(span)} from {Html.ShowTime(x[0])} to {Html.ShowTime(x[^1] + span)}").Raw("\"></div>")
            .Json("histogram-data", new { x, y, label = "events" }).Raw("</section>");
    }

    private static readonly double[] Spans = [1, 10, 60, 300, 600, 1800, 3600, 10800, 43200, 86400, 604800, 2592000, 31536000];

    internal static (double[] X, double[] Y, double Span) Buckets(List<double> times)
    {
        var min = times.Min();
        var max = times.Max();
        var span = Spans.FirstOrDefault(sp => (max - min) / sp <= 60, Spans[^1]);
        var start = Math.Floor(min / span) * span;
        var n = (int)Math.Floor((max - start) / span) + 1;
        var y = new double[n];
        foreach (var t in times)
        {
            y[(int)Math.Floor((t - start) / span)]++;
        }

        return ([.. Enumerable.Range(0, n).Select(i => start + (i * span))], y, span);
    }

    private static string SpanLabel(double span) => span switch
    {
        < 60 => $"{span:0} s",
        < 3600 => $"{span / 60:0} min",
        < 86400 => $"{span / 3600:0} h",
        _ => $"{span / 86400:0} d",
    };

    private static void ResultTable(Html h, List<Row> rows)
    {
        var shown = rows.Take(TableRows).ToList();
        var events = shown.Any(r => !r.Get(FieldTable.Raw).IsNull);
        var columns = events
            ? ["_time", "host", "sourcetype", "_raw"]
            : shown.SelectMany(r => Enumerable.Range(0, r.Count).Where(i => !r.ValueAt(i).IsNull).Select(r.NameAt)).Distinct(StringComparer.Ordinal).Take(60).ToList();
        h.Raw("<div class=\"table-wrap\"><table id=\"results\"><caption class=\"sr-only\">Search results</caption><thead><tr>");
        foreach (var c in columns)
        {
            h.Raw("<th scope=\"col\">").Text(c).Raw("</th>");
        }

        h.Raw("</tr></thead><tbody>");
        foreach (var r in shown)
        {
            h.Raw("<tr>");
            foreach (var c in columns)
            {
                var v = r.Get(c);
                h.Raw("<td>");
                if (c == "_time" && v.TryGetNumber(out var t))
                {
                    h.Time(t);
                }
                else
                {
                    var shownText = v.IsMulti ? string.Join("\n", v.Items.ToArray()) : v.ToDisplayString();
                    h.Raw(c == "_raw" ? "<div class=\"cell raw\">" : "<div class=\"cell\">").Text(shownText.Length > MaxCell ? shownText[..MaxCell] : shownText);
                    if (shownText.Length > MaxCell)
                    {
                        h.Raw("<span class=\"muted\">").Text($" … {Html.Number(shownText.Length - MaxCell)} more characters (the REST export has them all)").Raw("</span>");
                    }

                    h.Raw("</div>");
                }

                h.Raw("</td>");
            }

            h.Raw("</tr>");
        }

        h.Raw("</tbody></table></div>");
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "…";
}
