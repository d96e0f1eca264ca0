using System.Globalization;
using System.Text;
using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Eval;

/// <summary>printf(format, args...): %s %d %i %f %x %X %o %e %% with width and precision.</summary>
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

            var arg = argIndex < args.Length ? args[argIndex++] : Value.Null;
            arg.TryGetNumber(out var d);
            var text = conv switch
            {
                'd' or 'i' => ((long)d).ToString(CultureInfo.InvariantCulture),
                'u' => ((ulong)Math.Abs(d)).ToString(CultureInfo.InvariantCulture),
                'f' or 'F' => d.ToString("F" + (precision < 0 ? 6 : precision), CultureInfo.InvariantCulture),
                'e' or 'E' => d.ToString((conv == 'e' ? "e" : "E") + (precision < 0 ? 6 : precision), CultureInfo.InvariantCulture),
                'x' => ((long)d).ToString("x", CultureInfo.InvariantCulture),
                'X' => ((long)d).ToString("X", CultureInfo.InvariantCulture),
                'o' => Convert.ToString((long)d, 8),
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
}
