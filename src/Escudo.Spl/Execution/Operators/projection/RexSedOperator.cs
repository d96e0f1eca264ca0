using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// rex mode=sed (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Rex):
/// <c>s/regex/replacement/flags</c> replaces the first match, every match with flag g, or only
/// the Nth match with a number N (flag i ignores case); <c>y/abc/xyz/</c> replaces each
/// character of the first list by the character at the same place in the second.
/// </summary>
internal sealed class RexSedOperator : InPlaceOperator
{
    private const string Expected = "mode=sed expects s/<regex>/<replacement>/<flags> or y/<characters>/<characters>/";

    private readonly SearchContext _context;
    private readonly int _field;
    private readonly Func<string, string> _rewrite;

    public RexSedOperator(RexCommand r, SearchContext context)
    {
        _context = context;
        _field = FieldTable.Intern(r.Field);
        _rewrite = Parse(r);
    }

    public override string Describe() => "rex mode=sed";

    protected override void Map(Row row)
    {
        var v = row.Get(_field);
        if (v.IsNull)
        {
            return;
        }

        try
        {
            row.Set(_field, Value.FromString(_rewrite(v.ToDisplayString())));
        }
        catch (RegexMatchTimeoutException)
        {
            _context.Warn("SPL2002", "rex mode=sed timed out on one event; the event was kept unchanged");
        }
    }

    private Func<string, string> Parse(RexCommand r)
    {
        var p = r.Pattern;
        if (p.Length < 2 || p[0] is not ('s' or 'y'))
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("rex", r.Span, Expected));
        }

        var parts = SplitParts(p);
        if (parts.Count < 2)
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("rex", r.Span, Expected));
        }

        if (p[0] == 'y')
        {
            return Transliterate(parts[0], parts[1], r);
        }

        var flags = parts.Count > 2 ? parts[2] : string.Empty;
        var digits = new string(flags.Where(char.IsAsciiDigit).ToArray());
        var nth = digits.Length > 0 && int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;
        var global = flags.Contains('g');
        Regex re;
        string replacement;
        try
        {
            replacement = Regex.Replace(parts[1].Replace("$", "$$", StringComparison.Ordinal), @"\\(\d)", "$${$1}");
            re = SplRegex.Create(parts[0], flags.Contains('i') ? RegexOptions.IgnoreCase : RegexOptions.None);
        }
        catch (ArgumentException e)
        {
            throw new DiagnosticException(SplDiagnostics.BadRegex(parts[0], e.Message, r.Span));
        }

        var context = _context;
        if (global)
        {
            return text => SplRegex.Replace(re, text, replacement, -1, context);
        }

        if (nth <= 1)
        {
            return text => SplRegex.Replace(re, text, replacement, 1, context);
        }

        return text =>
        {
            var seen = 0;
            string Nth() => re.Replace(text, m => ++seen == nth ? m.Result(replacement) : m.Value);
            return SplRegex.Backtracks(re) ? context.Budget.TimeRegex(re, Nth) : Nth();
        };
    }

    /// <summary>The parts between the separator (the character after s or y); a backslash before the separator escapes it.</summary>
    private static List<string> SplitParts(string p)
    {
        var sep = p[1];
        var parts = new List<string>();
        var cur = new System.Text.StringBuilder();
        for (var i = 2; i < p.Length; i++)
        {
            if (p[i] == '\\' && i + 1 < p.Length && p[i + 1] == sep)
            {
                cur.Append(sep);
                i++;
                continue;
            }

            if (p[i] == sep)
            {
                parts.Add(cur.ToString());
                cur.Clear();
                continue;
            }

            cur.Append(p[i]);
        }

        parts.Add(cur.ToString());
        return parts;
    }

    private static Func<string, string> Transliterate(string from, string to, RexCommand r)
    {
        if (from.Length != to.Length)
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("rex", r.Span, $"y/{from}/{to}/ needs two lists of the same length"));
        }

        return text =>
        {
            var chars = text.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                var at = from.IndexOf(chars[i], StringComparison.Ordinal);
                if (at >= 0)
                {
                    chars[i] = to[at];
                }
            }

            return new string(chars);
        };
    }
}
