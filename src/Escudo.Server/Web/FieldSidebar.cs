using Escudo.Core.Events;

namespace Escudo.Server.Web;

/// <summary>
/// The Search page's field list: the fields the results carry, most common first, each with how
/// many results have it and its top values; a value links to the same search narrowed to it.
/// </summary>
internal static class FieldSidebar
{
    public const int MaxFields = 40;
    public const int TopValues = 5;

    public static void Write(Html h, List<Row> rows, string search)
    {
        var fields = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var present = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            for (var i = 0; i < r.Count; i++)
            {
                var name = r.NameAt(i);
                var v = r.ValueAt(i);
                if (v.IsNull || name is "_raw" or "_time" || name.StartsWith("_", StringComparison.Ordinal))
                {
                    continue;
                }

                present[name] = present.GetValueOrDefault(name) + 1;
                if (!fields.TryGetValue(name, out var values))
                {
                    fields[name] = values = new Dictionary<string, int>(StringComparer.Ordinal);
                }

                // Bounded per field: a field with a distinct value per event (a GUID) must not hold every value.
                var text = v.IsMulti ? v.Items[0] : v.ToDisplayString();
                if (values.Count < 10_000 || values.ContainsKey(text))
                {
                    values[text] = values.GetValueOrDefault(text) + 1;
                }
            }
        }

        if (present.Count == 0)
        {
            h.Raw("<p class=\"muted\">No fields.</p>");
            return;
        }

        var shown = present.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(MaxFields).ToList();
        h.Raw("<ul>");
        foreach (var (name, count) in shown)
        {
            h.Raw("<li><details><summary><span class=\"mono\">").Text(name).Raw("</span> <span class=\"muted\">").Text($"{Html.Number(count)} of {Html.Number(rows.Count)}").Raw("</span></summary><ol class=\"values\">");
            foreach (var (value, n) in fields[name].OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(TopValues))
            {
                var narrowed = search.TrimEnd() + " | search " + name + "=" + Quote(value);
                h.Raw("<li>").Link("/search?q=" + Uri.EscapeDataString(narrowed), value.Length > 60 ? value[..57] + "…" : value).Raw(" <span class=\"muted\">").Text(Html.Number(n)).Raw("</span></li>");
            }

            h.Raw("</ol></details></li>");
        }

        h.Raw("</ul>");
        if (present.Count > MaxFields)
        {
            h.Raw("<p class=\"muted\">").Text($"{present.Count - MaxFields} more fields not listed.").Raw("</p>");
        }
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
