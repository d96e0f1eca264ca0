using System.Text.RegularExpressions;

namespace Escudo.Cli.Commands;

/// <summary>Shell-style globs (<c>*</c>, <c>?</c>) matched case-insensitively against a detection's name or file.</summary>
internal static class Glob
{
    public static bool Matches(string pattern, string text) =>
        Regex.IsMatch(text, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public static bool MatchesDetection(string pattern, Detections.Content.Detection d) =>
        Matches(pattern, d.Name) || Matches(pattern, d.File) || Matches(pattern, Path.GetFileNameWithoutExtension(d.File)) || Matches(pattern, d.Id);
}
