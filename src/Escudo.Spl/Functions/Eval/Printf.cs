using System.Globalization;
using System.Text;
using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Eval;

/// <summary>
/// printf(format, args...) as C's printf: %s %d %i %u %f %x %X %o %e %E %c %% with flags
/// (- + 0 space and ' for thousands grouping), width and precision.
/// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/TextFunctions
/// </summary>
public static class Printf
{
    public static string Format(string format, ReadOnlySpan<Value> args)
    {
        var sb = new StringBuilder();
        var argIndex = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }

            var j = i + 1;
            var flags = new StringBuilder();
            while (j < format.Length && "-+ 0#'".Contains(format[j]))
            {
                flags.Append(format[j++]);
            }

            var widthStart = j;
            while (j < format.Length && char.IsAsciiDigit(format[j]))
            {
                j++;
            }

            var width = j > widthStart ? int.Parse(format.AsSpan(widthStart, j - widthStart), CultureInfo.InvariantCulture) : 0;
            var precision = -1;
            if (j < format.Length && format[j] == '.')
            {
                j++;
                var ps = j;
                while (j < format.Length && char.IsAsciiDigit(format[j]))
                {
                    j++;
                }

                precision = j > ps ? int.Parse(format.AsSpan(ps, j - ps), CultureInfo.InvariantCulture) : 0;
            }

            if (j >= format.Length)
            {
                sb.Append(format, i, format.Length - i);
                break;
            }

            var conv = format[j];
            if (conv == '%')
            {
                sb.Append('%');
                i = j;
                continue;
            }

            var grouping = flags.ToString().Contains('\'', StringComparison.Ordinal);
            var arg = argIndex < args.Length ? args[argIndex++] : Value.Null;
            arg.TryGetNumber(out var d);
            var text = conv switch
            {
                'd' or 'i' => ((long)d).ToString(grouping ? "#,0" : "0", CultureInfo.InvariantCulture),
                'u' => ((ulong)Math.Abs(d)).ToString(grouping ? "#,0" : "0", CultureInfo.InvariantCulture),
                'f' or 'F' => d.ToString((grouping ? "N" : "F") + (precision < 0 ? 6 : precision), CultureInfo.InvariantCulture),
                'e' or 'E' => Exponent(d, precision < 0 ? 6 : precision, conv),
                'x' => ((long)d).ToString("x", CultureInfo.InvariantCulture),
                'X' => ((long)d).ToString("X", CultureInfo.InvariantCulture),
                'o' => Convert.ToString((long)d, 8),
                'c' when arg.IsNumber => ((char)(int)d).ToString(),
                'c' => arg.ToDisplayString().Length > 0 ? arg.ToDisplayString()[..1] : string.Empty,
                _ => precision >= 0 && arg.ToDisplayString().Length > precision ? arg.ToDisplayString()[..precision] : arg.ToDisplayString(),
            };
            var f = flags.ToString();
            if (f.Contains('+') && conv is 'd' or 'i' or 'f' && d >= 0)
            {
                text = "+" + text;
            }

            if (text.Length < width)
            {
                text = f.Contains('-') ? text.PadRight(width) : f.Contains('0') && conv != 's' ? text.PadLeft(width, '0') : text.PadLeft(width);
            }

            sb.Append(text);
            i = j;
        }

        return sb.ToString();
    }

    /// <summary>C's %e: one digit, the fraction, and an exponent of at least two digits (1.234568e+04).</summary>
    private static string Exponent(double d, int precision, char conv)
    {
        var s = d.ToString((conv == 'e' ? "e" : "E") + precision, CultureInfo.InvariantCulture);
        var e = s.IndexOfAny(['e', 'E']);
        var exp = int.Parse(s.AsSpan(e + 2), CultureInfo.InvariantCulture);
        return s[..(e + 2)] + exp.ToString("00", CultureInfo.InvariantCulture);
    }
}
