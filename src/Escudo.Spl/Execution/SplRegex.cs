using System.Text.RegularExpressions;
using Escudo.Spl.Functions.Eval;

namespace Escudo.Spl.Execution;

/// <summary>
/// Regular expressions from searches (PCRE syntax, as Splunk takes them). A pattern runs on .NET's
/// non-backtracking engine when it can — linear time, so no event can stall a hunt — and falls
/// back to the backtracking engine with a timeout only for constructs the former lacks
/// (backreferences, lookarounds, atomic groups). A match that times out counts as no match and is
/// reported by the caller; it never stops the search.
/// </summary>
internal static class SplRegex
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(250);

    /// <summary>Compiles a PCRE pattern; throws ArgumentException when it is not a valid pattern.</summary>
    public static Regex Create(string pcre, RegexOptions extra = RegexOptions.None)
    {
        var pattern = FunctionCatalog.PcreToDotNet(pcre);
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
}
