using System.Globalization;

namespace Escudo.Core.Time;

/// <summary>
/// Splunk time modifiers: <c>now</c>, epoch seconds, <c>-70m@m</c>, <c>@d</c>, <c>-1d@w0</c>,
/// <c>+1h</c>, chained offsets after a snap (<c>@d+8h</c>) and the absolute form
/// <c>%m/%d/%Y:%H:%M:%S</c>.
/// Rules from https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/SearchTimeModifiers
/// and https://docs.splunk.com/Documentation/SCS/current/Search/Specifyrelativetime .
/// </summary>
public static class RelativeTime
{
    /// <summary>
    /// Resolves a modifier against <paramref name="now"/> (epoch seconds); null if it does not parse
    /// or leaves the years 1 to 9999 (<c>-99999999999y</c>, a <paramref name="now"/> of 1e300).
    /// </summary>
    public static double? Resolve(string text, double now)
    {
        try
        {
            return ResolveInRange(text, now);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            // DateTime arithmetic past year 9999 or before year 1.
            return null;
        }
    }

    private static double? ResolveInRange(string text, double now)
    {
        var s = text.Trim().Trim('"');
        if (s.Length == 0)
        {
            return null;
        }

        if (s.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            return now;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch) && !s.StartsWith('+') && !s.StartsWith('-'))
        {
            return epoch;
        }

        if (DateTime.TryParseExact(s, "MM/dd/yyyy:HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var abs)
            || DateTime.TryParseExact(s, "M/d/yyyy:H:m:s", CultureInfo.InvariantCulture, DateTimeStyles.None, out abs))
        {
            return SearchTimeZone.FromLocal(abs);
        }

        if (!SearchTimeZone.TryToLocal(now, out var t))
        {
            return null;
        }

        var i = 0;
        var any = false;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is '+' or '-')
            {
                var sign = c == '-' ? -1 : 1;
                i++;
                var numStart = i;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    i++;
                }

                var amount = 1;
                if (i > numStart && !int.TryParse(s.AsSpan(numStart, i - numStart), NumberStyles.None, CultureInfo.InvariantCulture, out amount))
                {
                    return null; // more than 2^31 units moves outside any representable time
                }

                var unitStart = i;
                while (i < s.Length && char.IsAsciiLetter(s[i]))
                {
                    i++;
                }

                var unit = s[unitStart..i];
                if (!TryAdd(ref t, sign * amount, unit))
                {
                    return null;
                }

                any = true;
            }
            else if (c == '@')
            {
                i++;
                var unitStart = i;
                while (i < s.Length && char.IsAsciiLetter(s[i]))
                {
                    i++;
                }

                var unit = s[unitStart..i];
                var weekday = -1;
                if (i < s.Length && char.IsAsciiDigit(s[i]) && unit is "w" or "W")
                {
                    weekday = s[i] - '0';
                    i++;
                }

                if (!TrySnap(ref t, unit, weekday))
                {
                    return null;
                }

                any = true;
            }
            else
            {
                return null;
            }
        }

        return any ? SearchTimeZone.FromLocal(t) : null;
    }

    private static string? Canonical(string unit) => unit.ToLowerInvariant() switch
    {
        "s" or "sec" or "secs" or "second" or "seconds" => "s",
        "m" or "min" or "mins" or "minute" or "minutes" => "m",
        "h" or "hr" or "hrs" or "hour" or "hours" => "h",
        "d" or "day" or "days" => "d",
        "w" or "week" or "weeks" => "w",
        "mon" or "month" or "months" => "mon",
        "q" or "qtr" or "qtrs" or "quarter" or "quarters" => "q",
        "y" or "yr" or "yrs" or "year" or "years" => "y",
        _ => null,
    };

    private static bool TryAdd(ref DateTime t, int amount, string unit)
    {
        switch (Canonical(unit.Length == 0 ? "s" : unit))
        {
            case "s": t = t.AddSeconds(amount); return true;
            case "m": t = t.AddMinutes(amount); return true;
            case "h": t = t.AddHours(amount); return true;
            case "d": t = t.AddDays(amount); return true;
            case "w": t = t.AddDays(7.0 * amount); return true;
            case "mon": t = t.AddMonths(amount); return true;
            case "q": t = t.AddMonths(checked(3 * amount)); return true;
            case "y": t = t.AddYears(amount); return true;
            default: return false;
        }
    }

    private static bool TrySnap(ref DateTime t, string unit, int weekday)
    {
        switch (Canonical(unit))
        {
            case "s": t = new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second); return true;
            case "m": t = new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0); return true;
            case "h": t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0); return true;
            case "d": t = t.Date; return true;
            case "w":
                {
                    // @w and @w0 snap to Sunday; @w1..@w6 to that weekday; @w7 is Sunday too.
                    var target = weekday < 0 || weekday == 7 ? 0 : weekday;
                    var back = ((int)t.DayOfWeek - target + 7) % 7;
                    t = t.Date.AddDays(-back);
                    return true;
                }

            case "mon": t = new DateTime(t.Year, t.Month, 1); return true;
            case "q": t = new DateTime(t.Year, ((t.Month - 1) / 3 * 3) + 1, 1); return true;
            case "y": t = new DateTime(t.Year, 1, 1); return true;
            default: return false;
        }
    }
}
