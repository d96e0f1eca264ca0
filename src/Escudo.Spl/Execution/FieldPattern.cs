using System.Text.RegularExpressions;

namespace Escudo.Spl.Execution;

/// <summary>A field-name pattern with <c>*</c> wildcards (table, fields, rename); names are case-sensitive.</summary>
internal sealed class FieldPattern
{
    private readonly Regex? _regex;

    public FieldPattern(string pattern)
    {
        Pattern = pattern;
        if (pattern.Contains('*'))
        {
            _regex = new Regex("^" + string.Join("(.*)", pattern.Split('*').Select(Regex.Escape)) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
        }
    }

    public string Pattern { get; }

    public bool HasWildcard => _regex is not null;

    public bool IsMatch(string name) => _regex?.IsMatch(name) ?? string.Equals(name, Pattern, StringComparison.Ordinal);

    /// <summary>The parts of a matching name that each wildcard stands for, in order (foreach's &lt;&lt;MATCHSEG1&gt;&gt;...).</summary>
    public IReadOnlyList<string> Segments(string name)
    {
        var m = _regex?.Match(name);
        return m is { Success: true } ? m.Groups.Cast<Group>().Skip(1).Select(g => g.Value).ToArray() : [];
    }

    /// <summary>For rename: the captured wildcard parts placed into the target pattern's stars.</summary>
    public string? Rewrite(string name, string target)
    {
        if (_regex is null)
        {
            return string.Equals(name, Pattern, StringComparison.Ordinal) ? target : null;
        }

        var m = _regex.Match(name);
        if (!m.Success)
        {
            return null;
        }

        var parts = target.Split('*');
        var result = new System.Text.StringBuilder(parts[0]);
        for (var i = 1; i < parts.Length; i++)
        {
            result.Append(i < m.Groups.Count ? m.Groups[i].Value : string.Empty).Append(parts[i]);
        }

        return result.ToString();
    }
}
