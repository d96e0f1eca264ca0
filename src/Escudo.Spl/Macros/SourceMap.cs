using Escudo.Core.Diagnostics;
using Escudo.Core.Text;

namespace Escudo.Spl.Macros;

/// <summary>
/// Where each character of an expanded search came from in the text the user wrote: text copied
/// from it maps back one to one (comments removed are accounted for); text a macro produced maps
/// to the macro call, with the macro's name. A diagnostic found in the expanded text is moved
/// back with it, so the user sees a line and column in what they wrote.
/// </summary>
internal sealed class SourceMap
{
    /// <summary>A run of expanded text: copied from the written text at <see cref="Original"/>, or produced by the macro call spanning <see cref="Original"/>.</summary>
    private readonly record struct Segment(int ExpandedStart, int Length, TextSpan Original, string? Macro);

    private readonly List<Segment> _segments = [];
    private int _expandedLength;

    /// <summary>A map for text that was not changed: every offset maps to itself.</summary>
    public static SourceMap Identity(int length)
    {
        var map = new SourceMap();
        map.Copied(0, length);
        return map;
    }

    internal void Copied(int originalStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        // Extend the last run when it continues the same original text.
        if (_segments.Count > 0 && _segments[^1] is { Macro: null } last && last.Original.End == originalStart)
        {
            _segments[^1] = last with { Length = last.Length + length, Original = new TextSpan(last.Original.Start, last.Original.Length + length) };
        }
        else
        {
            _segments.Add(new Segment(_expandedLength, length, new TextSpan(originalStart, length), null));
        }

        _expandedLength += length;
    }

    internal void FromMacro(TextSpan call, string macro, int length)
    {
        if (length > 0)
        {
            _segments.Add(new Segment(_expandedLength, length, call, macro));
        }

        _expandedLength += length;
    }

    /// <summary>Composes this map (expanded → intermediate) with one that maps the intermediate text to the original.</summary>
    internal SourceMap Then(SourceMap inner)
    {
        var result = new SourceMap();
        foreach (var s in _segments)
        {
            if (s.Macro is not null)
            {
                var (start, _) = inner.Locate(s.Original.Start);
                var (end, _) = inner.Locate(Math.Max(s.Original.Start, s.Original.End - 1));
                result._segments.Add(s with { Original = TextSpan.FromBounds(start.Start, end.End) });
                continue;
            }

            // Copied text may cross removed comments: split it where the inner map jumps.
            for (var k = 0; k < s.Length; k++)
            {
                var (at, macro) = inner.Locate(s.Original.Start + k);
                if (result._segments.Count > 0 && result._segments[^1] is { Macro: null } last && macro is null && last.Original.End == at.Start && last.ExpandedStart + last.Length == s.ExpandedStart + k)
                {
                    result._segments[^1] = last with { Length = last.Length + 1, Original = new TextSpan(last.Original.Start, last.Original.Length + 1) };
                }
                else
                {
                    result._segments.Add(new Segment(s.ExpandedStart + k, 1, macro is null ? new TextSpan(at.Start, 1) : at, macro));
                }
            }
        }

        result._expandedLength = _expandedLength;
        return result;
    }

    /// <summary>The written text an expanded offset comes from (one character, or the whole macro call) and the macro that produced it, if any.</summary>
    public (TextSpan Span, string? Macro) Locate(int expandedOffset)
    {
        if (_segments.Count == 0)
        {
            return (new TextSpan(expandedOffset, 0), null);
        }

        // Offsets past the end (an error at end of input) map past the end of the last run.
        var lo = 0;
        var hi = _segments.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (_segments[mid].ExpandedStart <= expandedOffset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        var s = _segments[lo];
        if (s.Macro is not null)
        {
            return (s.Original, s.Macro);
        }

        var offset = s.Original.Start + Math.Max(0, expandedOffset - s.ExpandedStart);
        return (new TextSpan(offset, 1), null);
    }

    /// <summary>
    /// The diagnostic moved back to the written text: its span starts where its first character
    /// came from; inside a macro's text it covers the macro call and its message names the macro.
    /// </summary>
    public Diagnostic ToOriginal(Diagnostic d)
    {
        var (start, macro) = Locate(d.Span.Start);
        if (macro is not null)
        {
            return d with { Span = start, Message = $"{d.Message} (in the expansion of macro `{macro}`)" };
        }

        var length = d.Span.Length;
        if (length > 0)
        {
            var (end, endMacro) = Locate(d.Span.End - 1);
            length = endMacro is null && end.Start >= start.Start ? end.Start - start.Start + 1 : 1;
        }

        return d with { Span = new TextSpan(start.Start, length) };
    }
}
