using System.Globalization;
using Escudo.Core.Time;

namespace Escudo.Server.Web;

/// <summary>
/// A time a person types in a console filter: an ISO-like UTC time (<c>2024-03-04</c>,
/// <c>2024-03-04 10:00</c>, <c>2024-03-04T10:00:00Z</c>) or any Splunk time modifier
/// (<c>-24h</c>, <c>@d</c>, epoch seconds).
/// </summary>
internal static class TimeInput
{
    private static readonly string[] IsoForms =
    [
        "yyyy-MM-dd", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss",
        "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-dd HH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fffZ", "yyyy-MM-dd HH:mm:ss'Z'", "yyyy-MM-ddTHH:mm'Z'",
    ];

    /// <summary>Null for an empty box; otherwise the epoch time, or an error naming the accepted forms.</summary>
    public static (double? Value, string? Error) Parse(string? text, double now, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }

        var s = text.Trim();
        if (DateTime.TryParseExact(s, IsoForms, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var iso))
        {
            return (new DateTimeOffset(iso, TimeSpan.Zero).ToUnixTimeMilliseconds() / 1000.0, null);
        }

        return RelativeTime.Resolve(s, now) is { } t
            ? (t, null)
            : (null, $"{what} '{s}' is not a time: use UTC like 2024-03-04 10:00 or a Splunk modifier like -24h or @d");
    }
}
