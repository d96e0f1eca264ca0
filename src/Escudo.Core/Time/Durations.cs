using System.Globalization;

namespace Escudo.Core.Time;

/// <summary>Splunk durations such as <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>, a bare number of seconds.</summary>
public static class Durations
{
    public static double? Parse(string text)
    {
        var s = text.Trim().Trim('"');
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }

        if (i == 0 || !double.TryParse(s.AsSpan(0, i), NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        var unit = s[i..].ToLowerInvariant();
        return unit switch
        {
            "" or "s" or "sec" or "secs" or "second" or "seconds" => n,
            "m" or "min" or "mins" or "minute" or "minutes" => n * 60,
            "h" or "hr" or "hrs" or "hour" or "hours" => n * 3600,
            "d" or "day" or "days" => n * 86400,
            "w" or "week" or "weeks" => n * 7 * 86400,
            "mon" or "month" or "months" => n * 30 * 86400,
            "y" or "yr" or "year" or "years" => n * 365 * 86400,
            "ms" => n / 1000,
            _ => null,
        };
    }
}
