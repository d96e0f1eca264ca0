using System.Globalization;
using System.Text;
using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Eval;

/// <summary>
/// printf(format, args...) as C's printf: %s (%z) %d %i %u %f %x %X (%p) %o %e %E %g %G %c %% with flags
/// (- + 0 space, ' for thousands grouping and # for the alternate form), width and precision, each
/// given in the format or taken from an argument with <c>*</c>.
/// https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/evaluation-functions/conversion-functions
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

            var width = Number(format, ref j, args, ref argIndex, "width");
            var precision = -1;
            if (j < format.Length && format[j] == '.')
            {
                j++;
                precision = Number(format, ref j, args, ref argIndex, "precision");
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

            var f = flags.ToString();
            var grouping = f.Contains('\'', StringComparison.Ordinal);
            var alternate = f.Contains('#', StringComparison.Ordinal);
            var arg = argIndex < args.Length ? args[argIndex++] : Value.Null;
            arg.TryGetNumber(out var d);
            var text = conv switch
            {
                'd' or 'i' => ((long)d).ToString(grouping ? "#,0" : "0", CultureInfo.InvariantCulture),
                'u' => ((ulong)Math.Abs(d)).ToString(grouping ? "#,0" : "0", CultureInfo.InvariantCulture),
                'f' or 'F' => d.ToString((grouping ? "N" : "F") + (precision < 0 ? 6 : precision), CultureInfo.InvariantCulture),
                'e' or 'E' => Exponent(d, precision < 0 ? 6 : precision, conv),
                'g' or 'G' => General(d, precision < 0 ? 6 : Math.Max(precision, 1), conv, alternate),
                // The # flag: "For %x or %X conversion specifiers, a non-zero result has 0x (or 0X) prefixed to it."
                'x' => (alternate && (long)d != 0 ? "0x" : string.Empty) + ((long)d).ToString("x", CultureInfo.InvariantCulture),
                'X' or 'p' => (alternate && (long)d != 0 ? "0X" : string.Empty) + ((long)d).ToString("X", CultureInfo.InvariantCulture),
                // "For the %o conversion specifier, the # flag ... force[s] the first digit of the result to be zero."
                'o' => (alternate && (long)d != 0 ? "0" : string.Empty) + Convert.ToString((long)d, 8),
                'c' when arg.IsNumber => ((char)(int)d).ToString(),
                'c' => arg.ToDisplayString().Length > 0 ? arg.ToDisplayString()[..1] : string.Empty,
                _ => precision >= 0 && arg.ToDisplayString().Length > precision ? arg.ToDisplayString()[..precision] : arg.ToDisplayString(),
            };
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

    /// <summary>
    /// A width or precision written in the format, or <c>*</c>: "not specified in the format string, but
    /// as an additional integer value argument preceding the argument that has to be formatted".
    /// </summary>
    private static int Number(string format, ref int j, ReadOnlySpan<Value> args, ref int argIndex, string what)
    {
        if (j < format.Length && format[j] == '*')
        {
            j++;
            var arg = argIndex < args.Length ? args[argIndex++] : Value.Null;
            var n = arg.TryGetNumber(out var d) && d > 0 ? (long)d : 0;
            return Size(n.ToString(CultureInfo.InvariantCulture), what);
        }

        var start = j;
        while (j < format.Length && char.IsAsciiDigit(format[j]))
        {
            j++;
        }

        return j > start ? Size(format.AsSpan(start, j - start), what) : 0;
    }

    /// <summary>
    /// C's %g: %e when the exponent is below -4 or not below the precision (significant digits),
    /// %f otherwise, trailing zeros removed unless # is given. printf("%.2g,%.2g",pi(),123) is 3.1,1.2e+02.
    /// </summary>
    private static string General(double d, int precision, char conv, bool alternate)
    {
        if (!double.IsFinite(d))
        {
            return Exponent(d, precision - 1, conv == 'G' ? 'E' : 'e');
        }

        var e = Exponent(d, precision - 1, conv == 'G' ? 'E' : 'e');
        var exponent = d == 0 ? 0 : int.Parse(e.AsSpan(e.IndexOfAny(['e', 'E']) + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var text = exponent < -4 || exponent >= precision ? e : d.ToString("F" + (precision - 1 - exponent), CultureInfo.InvariantCulture);
        if (alternate || !text.Contains('.', StringComparison.Ordinal))
        {
            return text;
        }

        var mark = text.IndexOfAny(['e', 'E']);
        var mantissa = mark < 0 ? text : text[..mark];
        mantissa = mantissa.TrimEnd('0').TrimEnd('.');
        return mark < 0 ? mantissa : mantissa + text[mark..];
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
