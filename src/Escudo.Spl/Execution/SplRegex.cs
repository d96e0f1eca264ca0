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
public static class SplRegex
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

    public static bool SafeIsMatch(Regex re, string input, SearchContext? ctx)
    {
        try
        {
            return re.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            ctx?.Warn("SPL2004", $"regular expression `{re}` timed out on one value; treated as no match");
            return false;
        }
    }
}
