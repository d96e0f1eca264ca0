using System.Text.RegularExpressions;

namespace Escudo.Spl.Execution;

/// <summary>SQL-style LIKE patterns (<c>%</c> any run, <c>_</c> one character), cached as regexes.</summary>
public static class LikePattern
{
    /// <summary>
    /// Longer patterns (typically a field's value used as the pattern) are matched directly: building
    /// a regex from 100,000 characters took 20 s, and caching every such pattern would grow without end.
    /// </summary>
    public const int MaxCachedPatternLength = 1000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Cache = new();

    public static bool IsMatch(string pattern, string input) =>
        pattern.Length > MaxCachedPatternLength ? MatchDirect(pattern, input) : Get(pattern).IsMatch(input);

    /// <summary>Wildcard matching without a regex: on a mismatch, retry from the last <c>%</c> one character further.</summary>
    internal static bool MatchDirect(string pattern, string input)
    {
        int p = 0, i = 0, star = -1, resume = 0;
        while (i < input.Length)
        {
            if (p < pattern.Length && (pattern[p] == '_' || (pattern[p] != '%' && pattern[p] == input[i])))
            {
                p++;
                i++;
            }
            else if (p < pattern.Length && pattern[p] == '%')
            {
                star = p++;
                resume = i;
            }
            else if (star >= 0)
            {
                p = star + 1;
                i = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '%')
        {
            p++;
        }

        return p == pattern.Length;
    }

    public static Regex Get(string pattern) => Cache.GetOrAdd(pattern, p =>
    {
        var sb = new System.Text.StringBuilder("^");
        foreach (var ch in p)
        {
            sb.Append(ch switch
            {
                '%' => ".*",
                '_' => ".",
                _ => Regex.Escape(ch.ToString()),
            });
        }

        sb.Append('$');
        return new Regex(sb.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
    });
}
