using System.Globalization;
using System.Text;
using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Eval;

/// <summary>
/// printf(format, args...) as C's printf: %s %d %i %u %f %x %X %o %e %E %c %% with flags
/// (- + 0 space and ' for thousands grouping), width and precision.
/// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/TextFunctions
/// </summary>
internal static class Printf
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

            var width = j > widthStart ? Size(format.AsSpan(widthStart, j - widthStart), "width") : 0;
            var precision = -1;
            if (j < format.Length && format[j] == '.')
            {
                j++;
                var ps = j;
                while (j < format.Length && char.IsAsciiDigit(format[j]))
                {
                    j++;
                }

                precision = j > ps ? Size(format.AsSpan(ps, j - ps), "precision") : 0;
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
            ValueLimits.Check("printf", sb.Length);
            i = j;
        }

        return sb.ToString();
    }

    /// <summary>A width or precision; beyond <see cref="ValueLimits.MaxPrintfWidth"/> the search stops rather than build it.</summary>
    private static int Size(ReadOnlySpan<char> digits, string what)
    {
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > ValueLimits.MaxPrintfWidth)
        {
            throw new Execution.SearchLimitException($"Error in 'eval': printf {what} {digits} is more than the limit of {ValueLimits.MaxPrintfWidth:N0}");
        }

        return n;
    }

    /// <summary>C's %e: one digit, the fraction, and an exponent of at least two digits (1.234568e+04).</summary>
    private static string Exponent(double d, int precision, char conv)
    {
        if (!double.IsFinite(d))
        {
            // C prints inf, -inf and nan (INF... for %E); .NET's text has no exponent to rewrite.
            var text = double.IsNaN(d) ? "nan" : d > 0 ? "inf" : "-inf";
            return conv == 'E' ? text.ToUpperInvariant() : text;
        }

        var s = d.ToString((conv == 'e' ? "e" : "E") + precision, CultureInfo.InvariantCulture);
        var e = s.IndexOfAny(['e', 'E']);
        var exp = int.Parse(s.AsSpan(e + 2), CultureInfo.InvariantCulture);
        return s[..(e + 2)] + exp.ToString("00", CultureInfo.InvariantCulture);
    }
}
