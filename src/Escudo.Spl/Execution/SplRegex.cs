using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Escudo.Spl.Execution;

/// <summary>
/// Regular expressions from searches (PCRE syntax, as Splunk takes them). A pattern runs on .NET's
/// non-backtracking engine when it can — linear time, so no event can stall a hunt — and falls
/// back to the backtracking engine with a timeout only for constructs the former lacks
/// (backreferences, lookarounds, atomic groups). A match that times out counts as no match and is
/// reported by the caller; it never stops the search.
/// </summary>
public static partial class SplRegex
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(250);

    /// <summary>Distinct patterns kept by <see cref="Create"/>: ESCU's content has a few hundred; searches that make their own (a server's users) must not grow it without end.</summary>
    internal const int MaxShared = 4096;

    /// <summary>Patterns longer than this are built anew each time, not kept.</summary>
    internal const int MaxSharedLength = 4096;

    /// <summary>
    /// Every regex built, by pattern and options, shared by all searches: the 1,459 ESCU detections
    /// repeat their <c>rex</c> and <c>regex</c> patterns (macros), and building a non-backtracking
    /// regex costs milliseconds. A <see cref="Regex"/> is immutable and safe on any thread.
    /// </summary>
    private static readonly ConcurrentDictionary<(string Pattern, RegexOptions Options), Regex> Shared = new();

    /// <summary>
    /// Compiles a PCRE pattern, or gives the one already built for the same pattern and options;
    /// throws ArgumentException when it is not a valid pattern (every time: failures are not kept).
    /// </summary>
    public static Regex Create(string pcre, RegexOptions extra = RegexOptions.None)
    {
        if (pcre.Length > MaxSharedLength)
        {
            return Build(pcre, extra);
        }

        if (Shared.TryGetValue((pcre, extra), out var known))
        {
            return known;
        }

        var built = Build(pcre, extra);
        return Shared.Count < MaxShared ? Shared.GetOrAdd((pcre, extra), built) : built;
    }

    private static Regex Build(string pcre, RegexOptions extra)
    {
        var pattern = PcreToDotNet(pcre);
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | extra);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | extra, Timeout);
        }
    }

    /// <summary>True for a pattern that runs on the backtracking engine (whose time is charged to the search's regex budget).</summary>
    public static bool Backtracks(Regex re) => (re.Options & RegexOptions.NonBacktracking) == 0;

    public static bool SafeIsMatch(Regex re, string input, SearchContext? ctx)
    {
        try
        {
            return ctx is not null && Backtracks(re) ? ctx.Budget.TimeRegex(re, () => re.IsMatch(input)) : re.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            ctx?.Warn("SPL2004", $"regular expression `{re}` timed out on one value; treated as no match");
            return false;
        }
    }

    /// <summary>The first match, with its time charged to the search's regex budget when the pattern backtracks; may throw <see cref="RegexMatchTimeoutException"/>.</summary>
    public static Match Match(Regex re, string input, SearchContext? ctx) =>
        ctx is not null && Backtracks(re) ? ctx.Budget.TimeRegex(re, () => re.Match(input)) : re.Match(input);

    /// <summary>Up to <paramref name="max"/> matches, charged as <see cref="Match(Regex, string, SearchContext?)"/> is.</summary>
    public static List<Match> Matches(Regex re, string input, int max, SearchContext? ctx)
    {
        List<Match> Run()
        {
            var list = new List<Match>();
            for (var m = re.Match(input); m.Success && list.Count < max; m = m.NextMatch())
            {
                list.Add(m);
            }

            return list;
        }

        return ctx is not null && Backtracks(re) ? ctx.Budget.TimeRegex(re, Run) : Run();
    }

    /// <summary><see cref="Regex.Replace(string, string, int)"/> charged to the search's regex budget when the pattern backtracks.</summary>
    public static string Replace(Regex re, string input, string replacement, int count, SearchContext? ctx) =>
        ctx is not null && Backtracks(re) ? ctx.Budget.TimeRegex(re, () => re.Replace(input, replacement, count)) : re.Replace(input, replacement, count);

    /// <summary>PCRE named groups <c>(?P&lt;name&gt;...)</c> become .NET's <c>(?&lt;name&gt;...)</c>; the rest is shared syntax.</summary>
    public static string PcreToDotNet(string pattern)
    {
        var p = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);
        // PCRE reads `\_` as a literal underscore; .NET rejects the escape.
        p = PcreUnderscoreEscape().Replace(p, "$1_");
        // PCRE's \x{202E} is .NET's \u202E (code points above the BMP become a surrogate pair).
        return PcreHexEscape().Replace(p, m =>
        {
            var cp = Convert.ToInt32(m.Groups[1].Value, 16);
            return cp <= 0xFFFF ? $"\\u{cp:X4}" : string.Concat(char.ConvertFromUtf32(cp).Select(c => $"\\u{(int)c:X4}"));
        });
    }

    [GeneratedRegex(@"(?<!\\)((?:\\\\)*)\\_")]
    private static partial Regex PcreUnderscoreEscape();

    [GeneratedRegex(@"\\x\{([0-9A-Fa-f]{1,6})\}")]
    private static partial Regex PcreHexEscape();
}
