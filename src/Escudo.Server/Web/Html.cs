using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Escudo.Server.Web;

/// <summary>
/// The console's small view layer: a string builder where every piece of data goes through
/// <see cref="Text"/> or <see cref="Attr"/> (HTML-encoded) and only the page's own markup is
/// written raw. Times are shown in UTC, ISO-like, inside <c>&lt;time datetime&gt;</c>.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder _sb = new(16 * 1024);

    /// <summary>Markup written as is: only literals of the page, never data.</summary>
    public Html Raw(string markup)
    {
        _sb.Append(markup);
        return this;
    }

    /// <summary>Data as element content, HTML-encoded.</summary>
    public Html Text(string? text)
    {
        _sb.Append(HtmlEncoder.Default.Encode(text ?? string.Empty));
        return this;
    }

    /// <summary>Data as an attribute value (the caller writes the quotes), HTML-encoded.</summary>
    public Html Attr(string? value) => Text(value);

    /// <summary>An element with encoded text content: <c>&lt;tag class="cls"&gt;text&lt;/tag&gt;</c>.</summary>
    public Html El(string tag, string? text, string? cls = null)
    {
        _sb.Append('<').Append(tag);
        if (cls is not null)
        {
            _sb.Append(" class=\"").Append(HtmlEncoder.Default.Encode(cls)).Append('"');
        }

        _sb.Append('>');
        Text(text);
        _sb.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>A link with encoded href and text.</summary>
    public Html Link(string href, string text, string? cls = null)
    {
        _sb.Append("<a href=\"").Append(HtmlEncoder.Default.Encode(href)).Append('"');
        if (cls is not null)
        {
            _sb.Append(" class=\"").Append(HtmlEncoder.Default.Encode(cls)).Append('"');
        }

        _sb.Append('>');
        Text(text);
        _sb.Append("</a>");
        return this;
    }

    /// <summary>An epoch time as <c>&lt;time datetime="ISO"&gt;2024-03-04 10:00:20Z&lt;/time&gt;</c>, or a dash when unknown.</summary>
    public Html Time(double? epoch)
    {
        if (epoch is not { } t || double.IsNaN(t) || t < -62135596800 || t > 253402300799)
        {
            _sb.Append("<span class=\"muted\">–</span>");
            return this;
        }

        var d = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(t * 1000));
        _sb.Append("<time datetime=\"").Append(d.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append("\">")
            .Append(ShowTime(t)).Append("</time>");
        return this;
    }

    /// <summary>The human form of an epoch time: <c>2024-03-04 10:00:20Z</c> (milliseconds only when there are some).</summary>
    public static string ShowTime(double epoch)
    {
        var d = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(epoch * 1000));
        return d.ToString(d.Millisecond == 0 ? "yyyy-MM-dd HH:mm:ss'Z'" : "yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>A badge for a level (urgency, status); the class is the level's lower-case word.</summary>
    public Html Badge(string? level)
    {
        var word = string.IsNullOrWhiteSpace(level) ? "unknown" : level.Trim();
        var cls = new string([.. word.ToLowerInvariant().Where(char.IsAsciiLetter)]);
        return El("span", word, "badge " + cls);
    }

    /// <summary>A number with thousands separators, in a cell that aligns right.</summary>
    public static string Number(double n) => n.ToString(n == Math.Floor(n) ? "#,0" : "#,0.##", CultureInfo.InvariantCulture);

    /// <summary>
    /// Data for a page's script, as JSON inside <c>&lt;script type="application/json"&gt;</c>: not executed,
    /// and "&lt;" is escaped so the text cannot close the element.
    /// </summary>
    public Html Json(string id, object value)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(value).Replace("<", "\\u003c", StringComparison.Ordinal);
        _sb.Append("<script type=\"application/json\" id=\"").Append(HtmlEncoder.Default.Encode(id)).Append("\">").Append(json).Append("</script>");
        return this;
    }

    public override string ToString() => _sb.ToString();
}
