namespace Escudo.Spl.Execution;

/// <summary>
/// A search-language value pattern: <c>*</c> matches any run of characters, matching is
/// case-insensitive and covers the whole value. Compiled once into the cheapest matcher for its
/// shape (exact, prefix, suffix, contains, or segments).
/// https://docs.splunk.com/Documentation/Splunk/latest/Search/Wildcards
/// </summary>
public sealed class WildcardPattern
{
    private enum Shape
    {
        Exact,
        Prefix,
        Suffix,
        Contains,
        Any,
        Segments,
    }

    private readonly Shape _shape;
    private readonly string _literal;
    private readonly string[] _segments;
    private readonly bool _anchoredStart;
    private readonly bool _anchoredEnd;

    public WildcardPattern(string pattern)
    {
        Pattern = pattern;
        _segments = [];
        _literal = string.Empty;
        if (!pattern.Contains('*'))
        {
            _shape = Shape.Exact;
            _literal = pattern;
            return;
        }

        var parts = pattern.Split('*');
        var nonEmpty = parts.Where(p => p.Length > 0).ToArray();
        _anchoredStart = !pattern.StartsWith('*');
        _anchoredEnd = !pattern.EndsWith('*');
        if (nonEmpty.Length == 0)
        {
            _shape = Shape.Any;
        }
        else if (nonEmpty.Length == 1 && _anchoredStart && !_anchoredEnd)
        {
            _shape = Shape.Prefix;
            _literal = nonEmpty[0];
        }
        else if (nonEmpty.Length == 1 && !_anchoredStart && _anchoredEnd)
        {
            _shape = Shape.Suffix;
            _literal = nonEmpty[0];
        }
        else if (nonEmpty.Length == 1 && !_anchoredStart && !_anchoredEnd)
        {
            _shape = Shape.Contains;
            _literal = nonEmpty[0];
        }
        else
        {
            _shape = Shape.Segments;
            _segments = nonEmpty;
        }
    }

    public string Pattern { get; }

    public bool HasWildcard => _shape != Shape.Exact;

    public bool IsMatch(ReadOnlySpan<char> value)
    {
        switch (_shape)
        {
            case Shape.Exact: return value.Equals(_literal, StringComparison.OrdinalIgnoreCase);
            case Shape.Any: return true;
            case Shape.Prefix: return value.StartsWith(_literal, StringComparison.OrdinalIgnoreCase);
            case Shape.Suffix: return value.EndsWith(_literal, StringComparison.OrdinalIgnoreCase);
            case Shape.Contains: return value.IndexOf(_literal, StringComparison.OrdinalIgnoreCase) >= 0;
            default: return MatchSegments(value);
        }
    }

    private bool MatchSegments(ReadOnlySpan<char> value)
    {
        var segs = _segments;
        var pos = 0;
        for (var i = 0; i < segs.Length; i++)
        {
            var seg = segs[i];
            if (i == 0 && _anchoredStart)
            {
                if (!value.StartsWith(seg, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                pos = seg.Length;
                continue;
            }

            if (i == segs.Length - 1 && _anchoredEnd)
            {
                return value.Length - pos >= seg.Length && value.EndsWith(seg, StringComparison.OrdinalIgnoreCase);
            }

            var idx = value[pos..].IndexOf(seg, StringComparison.OrdinalIgnoreCase);
            if (idx < 0)
            {
                return false;
            }

            pos += idx + seg.Length;
        }

        return true;
    }

    /// <summary>Matches a whole-value pattern anywhere in a longer text (free-text search terms).</summary>
    public bool IsFoundIn(ReadOnlySpan<char> text)
    {
        if (_shape == Shape.Exact)
        {
            return text.IndexOf(_literal, StringComparison.OrdinalIgnoreCase) >= 0;
        }

        var pos = 0;
        foreach (var seg in _segments.Length > 0 ? _segments : [_literal])
        {
            if (seg.Length == 0)
            {
                continue;
            }

            var idx = text[pos..].IndexOf(seg, StringComparison.OrdinalIgnoreCase);
            if (idx < 0)
            {
                return false;
            }

            pos += idx + seg.Length;
        }

        return true;
    }
}
