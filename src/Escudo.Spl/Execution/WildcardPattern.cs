using System.Buffers;

namespace Escudo.Spl.Execution;

/// <summary>
/// A search-language value pattern: <c>*</c> matches any run of characters, matching is
/// case-insensitive and covers the whole value. Compiled once into the cheapest matcher for its
/// shape (exact, prefix, suffix, contains, or segments).
/// https://docs.splunk.com/Documentation/Splunk/latest/Search/Wildcards
/// Text inside the value is found with vectorized <see cref="SearchValues{T}"/> searchers: with
/// invariant globalization, <c>IndexOf(text, OrdinalIgnoreCase)</c> takes a scalar path about 70
/// times slower, and <c>*text*</c> is the most common pattern in detections.
/// </summary>
internal sealed class WildcardPattern
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
    private readonly SearchValues<string>? _literalFinder;
    private readonly SearchValues<string>?[] _segmentFinders;
    private readonly bool _anchoredStart;
    private readonly bool _anchoredEnd;

    public WildcardPattern(string pattern)
    {
        Pattern = pattern;
        _segments = [];
        _segmentFinders = [];
        _literal = string.Empty;
        if (!pattern.Contains('*'))
        {
            _shape = Shape.Exact;
            _literal = pattern;
            _literalFinder = Finder(pattern);
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
            _literalFinder = Finder(_literal);
        }
        else
        {
            _shape = Shape.Segments;
            _segments = nonEmpty;
        }

        _segmentFinders = [.. (_segments.Length > 0 ? _segments : [_literal]).Select(Finder)];
    }

    private static SearchValues<string>? Finder(string text) => text.Length == 0 ? null : SearchValues.Create([text], StringComparison.OrdinalIgnoreCase);

    /// <summary>Where <paramref name="text"/> first holds the finder's string, ignoring case; 0 for an empty one.</summary>
    private static int IndexIn(ReadOnlySpan<char> text, SearchValues<string>? finder) => finder is null ? 0 : text.IndexOfAny(finder);

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
            case Shape.Contains: return IndexIn(value, _literalFinder) >= 0;
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

            var idx = IndexIn(value[pos..], _segmentFinders[i]);
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
            return IndexIn(text, _literalFinder) >= 0;
        }

        var pos = 0;
        var segs = _segments.Length > 0 ? _segments : [_literal];
        for (var i = 0; i < segs.Length; i++)
        {
            var seg = segs[i];
            if (seg.Length == 0)
            {
                continue;
            }

            var idx = IndexIn(text[pos..], _segmentFinders[i]);
            if (idx < 0)
            {
                return false;
            }

            pos += idx + seg.Length;
        }

        return true;
    }
}
