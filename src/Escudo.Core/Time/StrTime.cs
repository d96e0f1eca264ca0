using System.Globalization;
using System.Text;

namespace Escudo.Core.Time;

/// <summary>
/// strftime/strptime with Splunk's variables
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Commontimeformatvariables):
/// %Y %y %m %d %e %H %I %M %S %p %j %a %A %b %B %h %Z %z %s %T %F %D %R %N %3N %6N %9N %Q %f %%.
/// Times are shown in the search time zone.
/// </summary>
public static class StrTime
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Formats a time; false (and no text) when it is outside the years 1 to 9999.</summary>
    public static bool TryFormat(double epoch, string format, out string text)
    {
        if (!SearchTimeZone.TryToLocal(epoch, out _))
        {
            text = string.Empty;
            return false;
        }

        text = Format(epoch, format);
        return true;
    }

    public static string Format(double epoch, string format)
    {
        var t = SearchTimeZone.ToLocal(epoch);
        var sb = new StringBuilder(format.Length + 16);
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                sb.Append(c);
                continue;
            }

            var f = format[++i];
            var digits = 0;
            if (char.IsAsciiDigit(f) && i + 1 < format.Length)
            {
                digits = f - '0';
                f = format[++i];
            }

            switch (f)
            {
                case 'Y': sb.Append(t.Year.ToString("0000", Inv)); break;
                case 'y': sb.Append((t.Year % 100).ToString("00", Inv)); break;
                case 'm': sb.Append(t.Month.ToString("00", Inv)); break;
                case 'd': sb.Append(t.Day.ToString("00", Inv)); break;
                case 'e': sb.Append(t.Day.ToString(Inv).PadLeft(2)); break;
                case 'H': sb.Append(t.Hour.ToString("00", Inv)); break;
                case 'k': sb.Append(t.Hour.ToString(Inv).PadLeft(2)); break;
                case 'I': sb.Append(((t.Hour + 11) % 12 + 1).ToString("00", Inv)); break;
                case 'M': sb.Append(t.Minute.ToString("00", Inv)); break;
                case 'S': sb.Append(t.Second.ToString("00", Inv)); break;
                case 'p': sb.Append(t.Hour < 12 ? "AM" : "PM"); break;
                case 'j': sb.Append(t.DayOfYear.ToString("000", Inv)); break;
                case 'a': sb.Append(t.ToString("ddd", Inv)); break;
                case 'A': sb.Append(t.ToString("dddd", Inv)); break;
                case 'b':
                case 'h':
                    sb.Append(t.ToString("MMM", Inv)); break;
                case 'B': sb.Append(t.ToString("MMMM", Inv)); break;
                case 'w': sb.Append(((int)t.DayOfWeek).ToString(Inv)); break;
                case 'u': sb.Append((t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(Inv)); break;
                case 'T': sb.Append(t.ToString("HH:mm:ss", Inv)); break;
                case 'F': sb.Append(t.ToString("yyyy-MM-dd", Inv)); break;
                case 'D': sb.Append(t.ToString("MM/dd/yy", Inv)); break;
                case 'R': sb.Append(t.ToString("HH:mm", Inv)); break;
                case 'c': sb.Append(t.ToString("ddd MMM d HH:mm:ss yyyy", Inv)); break;
                case 'x': sb.Append(t.ToString("MM/dd/yy", Inv)); break;
                case 'X': sb.Append(t.ToString("HH:mm:ss", Inv)); break;
                case 's': sb.Append(((long)Math.Floor(epoch)).ToString(Inv)); break;
                case 'Z': sb.Append(ZoneAbbreviation(t)); break;
                case 'z': sb.Append(Offset(t)); break;
                case 'N':
                case 'Q':
                case 'f':
                    {
                        var n = digits == 0 ? (f == 'f' ? 6 : f == 'Q' ? 3 : 3) : Math.Min(digits, 9);
                        // Splunk keeps times to the microsecond: round there first, so 1700000000.123
                        // (stored as ...0.12299999) prints .123, then truncate to the digits asked for.
                        var micros = Math.Min(999_999L, (long)Math.Round((epoch - Math.Floor(epoch)) * 1e6));
                        var scaled = n <= 6 ? micros / (long)Math.Pow(10, 6 - n) : micros * (long)Math.Pow(10, n - 6);
                        sb.Append(scaled.ToString(new string('0', n), Inv));
                        break;
                    }

                case '%': sb.Append('%'); break;
                default: sb.Append('%').Append(f); break;
            }
        }

        return sb.ToString();
    }

    private static string ZoneAbbreviation(DateTime local)
    {
        var tz = SearchTimeZone.Current;
        if (tz == TimeZoneInfo.Utc)
        {
            return "UTC";
        }

        var name = tz.IsDaylightSavingTime(local) ? tz.DaylightName : tz.StandardName;
        return name;
    }

    private static string Offset(DateTime local)
    {
        var off = SearchTimeZone.Current.GetUtcOffset(local);
        var sign = off < TimeSpan.Zero ? '-' : '+';
        off = off.Duration();
        return $"{sign}{off.Hours:00}{off.Minutes:00}";
    }

    /// <summary>Parses <paramref name="text"/> with a strftime-style format; null when it does not match.</summary>
    public static double? Parse(string text, string format)
    {
        var t = new ParsedTime();
        var p = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                if (char.IsWhiteSpace(c))
                {
                    while (p < text.Length && char.IsWhiteSpace(text[p]))
                    {
                        p++;
                    }

                    continue;
                }

                if (p >= text.Length || text[p] != c)
                {
                    return null;
                }

                p++;
                continue;
            }

            var f = format[++i];
            var digits = 0;
            if (char.IsAsciiDigit(f) && i + 1 < format.Length)
            {
                digits = f - '0';
                f = format[++i];
            }

            if (!Directive(f, digits, text, ref p, ref t))
            {
                return null;
            }
        }

        if (t.Epoch is { } ep)
        {
            return ep;
        }

        if (t.Pm is { } isPm)
        {
            t.Hour = (t.Hour % 12) + (isPm ? 12 : 0);
        }

        try
        {
            var dt = new DateTime(t.Year, t.Month, 1, t.Hour, t.Minute, t.Second).AddDays(t.Day - 1);
            var seconds = t.Offset is { } o
                ? (dt - o - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond
                : SearchTimeZone.FromLocal(dt);
            return seconds + t.Fraction;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>What a format has read so far; unread parts keep the defaults (1970-01-01 00:00:00).</summary>
    private struct ParsedTime()
    {
        public int Year = 1970;
        public int Month = 1;
        public int Day = 1;
        public int Hour;
        public int Minute;
        public int Second;
        public double Fraction;
        public bool? Pm;
        public double? Epoch;
        public TimeSpan? Offset;
    }

    /// <summary>Reads directive %<paramref name="f"/> (with its width, 0 when none) at <paramref name="p"/>; false when the text does not match.</summary>
    private static bool Directive(char f, int digits, string text, ref int p, ref ParsedTime t)
    {
        switch (f)
        {
            case 'Y': if (!Int(text, ref p, 4, out t.Year)) { return false; } break;
            case 'y': if (!Int(text, ref p, 2, out t.Year)) { return false; } t.Year += t.Year < 69 ? 2000 : 1900; break;
            case 'm': if (!Int(text, ref p, 2, out t.Month)) { return false; } break;
            case 'd':
            case 'e':
                SkipSpaces(text, ref p);
                if (!Int(text, ref p, 2, out t.Day)) { return false; }
                break;
            case 'H':
            case 'k':
                if (!Int(text, ref p, 2, out t.Hour)) { return false; }
                break;
            case 'I': if (!Int(text, ref p, 2, out t.Hour)) { return false; } break;
            case 'M': if (!Int(text, ref p, 2, out t.Minute)) { return false; } break;
            case 'S': if (!Int(text, ref p, 2, out t.Second)) { return false; } break;
            case 'j':
                {
                    if (!Int(text, ref p, 3, out var doy)) { return false; }
                    t.Month = 1;
                    t.Day = doy;
                    break;
                }

            case 'p':
                if (p + 2 > text.Length) { return false; }
                t.Pm = text.Substring(p, 2).Equals("PM", StringComparison.OrdinalIgnoreCase);
                p += 2;
                break;
            case 'b':
            case 'h':
            case 'B':
                if (!MonthName(text, ref p, ref t.Month)) { return false; }
                break;

            case 'a':
            case 'A':
                while (p < text.Length && char.IsLetter(text[p])) { p++; }
                break;
            case 'T':
                if (!Int(text, ref p, 2, out t.Hour) || !Lit(text, ref p, ':') || !Int(text, ref p, 2, out t.Minute) || !Lit(text, ref p, ':') || !Int(text, ref p, 2, out t.Second)) { return false; }
                break;
            case 'F':
                if (!Int(text, ref p, 4, out t.Year) || !Lit(text, ref p, '-') || !Int(text, ref p, 2, out t.Month) || !Lit(text, ref p, '-') || !Int(text, ref p, 2, out t.Day)) { return false; }
                break;
            case 's':
                {
                    if (!Epoch(text, ref p, out var e)) { return false; }
                    t.Epoch = e;
                    break;
                }

            case 'N':
            case 'Q':
            case 'f':
                if (!Fraction(text, ref p, digits, out t.Fraction)) { return false; }
                break;

            case 'z':
                {
                    if (!ZoneOffset(text, ref p, out var o)) { return false; }
                    t.Offset = o;
                    break;
                }

            case 'Z':
                while (p < text.Length && (char.IsLetter(text[p]) || text[p] == '/' || text[p] == '_')) { p++; }
                break;
            case '%':
                if (!Lit(text, ref p, '%')) { return false; }
                break;
            default:
                return false;
        }

        return true;
    }

    /// <summary>%b, %h, %B: a month's full or abbreviated English name, in any case.</summary>
    private static bool MonthName(string text, ref int p, ref int month)
    {
        for (var mth = 1; mth <= 12; mth++)
        {
            foreach (var name in new[] { Inv.DateTimeFormat.GetMonthName(mth), Inv.DateTimeFormat.GetAbbreviatedMonthName(mth) })
            {
                if (string.Compare(text, p, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0)
                {
                    month = mth;
                    p += name.Length;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>%s: epoch seconds, with a fraction or not.</summary>
    private static bool Epoch(string text, ref int p, out double epoch)
    {
        var start = p;
        while (p < text.Length && (char.IsAsciiDigit(text[p]) || text[p] == '.')) { p++; }
        return double.TryParse(text.AsSpan(start, p - start), NumberStyles.Float, Inv, out epoch);
    }

    /// <summary>%N, %Q, %f (optionally %3N): subsecond digits, at most <paramref name="digits"/> (9 when 0).</summary>
    private static bool Fraction(string text, ref int p, int digits, out double fraction)
    {
        var start = p;
        var max = digits == 0 ? 9 : digits;
        while (p < text.Length && char.IsAsciiDigit(text[p]) && p - start < max) { p++; }
        if (p == start)
        {
            fraction = 0;
            return false;
        }

        fraction = double.Parse("0." + text[start..p], Inv);
        return true;
    }

    /// <summary>%z: "Z", or a sign, two digits of hours and two of minutes, with or without a colon.</summary>
    private static bool ZoneOffset(string text, ref int p, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        SkipSpaces(text, ref p);
        if (p < text.Length && (text[p] == 'Z' || text[p] == 'z'))
        {
            p++;
            return true;
        }

        if (p >= text.Length || (text[p] != '+' && text[p] != '-')) { return false; }
        var sign = text[p] == '-' ? -1 : 1;
        p++;
        if (!Int(text, ref p, 2, out var oh)) { return false; }
        if (p < text.Length && text[p] == ':') { p++; }
        if (!Int(text, ref p, 2, out var om)) { return false; }
        offset = TimeSpan.FromMinutes(sign * ((oh * 60) + om));
        return true;
    }

    private static void SkipSpaces(string s, ref int p)
    {
        while (p < s.Length && s[p] == ' ')
        {
            p++;
        }
    }

    private static bool Lit(string s, ref int p, char c)
    {
        if (p < s.Length && s[p] == c)
        {
            p++;
            return true;
        }

        return false;
    }

    private static bool Int(string s, ref int p, int maxDigits, out int value)
    {
        value = 0;
        var start = p;
        if (p < s.Length && (s[p] == '-' || s[p] == '+') && maxDigits >= 4)
        {
            p++;
        }

        while (p < s.Length && char.IsAsciiDigit(s[p]) && p - start < maxDigits)
        {
            value = (value * 10) + (s[p] - '0');
            p++;
        }

        return p > start;
    }
}
