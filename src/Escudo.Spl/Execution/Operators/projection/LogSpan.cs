using System.Globalization;
using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Text;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// A log span, <c>span=log&lt;base&gt;</c>: a value falls in the range between the two powers of the
/// base around it. The Chart page's one example (<c>chart count BY duration span=log2</c>) shows the
/// rows <c>0</c>, <c>1-2</c>, <c>2-4</c>, ..., <c>512-1024</c>
/// (https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/search-commands/chart), so
/// zero stays <c>0</c> and a value of 1 or more goes to <c>b^k-b^(k+1)</c>. Nothing documents a value
/// between 0 and 1, a negative value, a coefficient (<c>2log10</c>) or a missing base: those are
/// refused (the spans) or left as they are with a warning (the values), not guessed.
/// </summary>
internal sealed partial class LogSpan
{
    private readonly double _base;
    private readonly SearchContext _context;
    private readonly string _text;
    private int _warned;

    private LogSpan(double @base, SearchContext context, string text)
    {
        _base = @base;
        _context = context;
        _text = text;
    }

    [GeneratedRegex(@"^(?<coefficient>[0-9]*\.?[0-9]*)log(?<base>[0-9]*\.?[0-9]*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    /// <summary>The log span <paramref name="text"/> names, null when it is no log span at all.</summary>
    public static LogSpan? TryParse(string text, TextSpan where, SearchContext context)
    {
        var m = Shape().Match(text);
        if (!m.Success)
        {
            return null;
        }

        var coefficient = m.Groups["coefficient"].Value;
        if (coefficient.Length > 0 && !(double.TryParse(coefficient, NumberStyles.Float, CultureInfo.InvariantCulture, out var c) && c == 1))
        {
            throw Refuse(where, $"span `{text}`: a coefficient other than 1 bins by a rule no documented example shows; give span=log<base>");
        }

        if (!double.TryParse(m.Groups["base"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var b))
        {
            throw Refuse(where, $"span `{text}`: give the base, as in span=log2 or span=log10");
        }

        if (!(b > 1) || !double.IsFinite(b))
        {
            // The Bin page: "Base, if supplied, must be real number > 1.0 (strictly greater than 1)."
            throw Refuse(where, $"span `{text}`: the base must be greater than 1");
        }

        return new LogSpan(b, context, text);
    }

    private static DiagnosticException Refuse(TextSpan where, string why) => new(SplDiagnostics.BadArguments("bin", where, why));

    /// <summary>The range <paramref name="v"/> falls in, or null (with one warning per search) where no example settles it.</summary>
    public string? Bin(double v)
    {
        if (v == 0)
        {
            return "0";
        }

        if (!(v >= 1) || !double.IsFinite(v))
        {
            if (Interlocked.Exchange(ref _warned, 1) == 0)
            {
                _context.Warn("SPL2006", $"bin span={_text}: values below 1 other than 0 (such as {Value.FromNumber(v).ToDisplayString()}) are left as they are: the documentation shows how 0 and values from 1 up are binned, not these");
            }

            return null;
        }

        var k = Math.Floor(Math.Log(v) / Math.Log(_base));
        // Math.Log rounds: log10(1000) comes out as 2.9999999999999996. Put k right with exact powers.
        while (Math.Pow(_base, k + 1) <= v)
        {
            k++;
        }

        while (k > 0 && Math.Pow(_base, k) > v)
        {
            k--;
        }

        return Value.FromNumber(Math.Pow(_base, k)).ToDisplayString() + "-" + Value.FromNumber(Math.Pow(_base, k + 1)).ToDisplayString();
    }
}
