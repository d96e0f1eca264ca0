using System.Text;
using Escudo.Core.Text;

namespace Escudo.Core.Diagnostics;

/// <summary>
/// A problem found in user input (a search, a detection file, a log file): a stable code, a
/// severity, where it is and what is wrong. User input never throws; it yields diagnostics.
/// </summary>
public sealed record Diagnostic(string Code, Severity Severity, TextSpan Span, string Message)
{
    /// <summary>`SPL0003 (line 1, column 27): message`.</summary>
    public string Format(string source)
    {
        var pos = SourcePosition.Of(source, Span.Start);
        return $"{Code} (line {pos.Line}, column {pos.Column}): {Message}";
    }

    /// <summary>The message, then the offending source line with a caret under the spot.</summary>
    public string FormatWithCaret(string source)
    {
        var sb = new StringBuilder();
        sb.Append("error ").AppendLine(Format(source));
        var offset = Math.Clamp(Span.Start, 0, source.Length);
        var lineStart = source.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1;
        if (offset == 0)
        {
            lineStart = 0;
        }

        var lineEnd = source.IndexOf('\n', offset);
        if (lineEnd < 0)
        {
            lineEnd = source.Length;
        }

        var line = source[lineStart..lineEnd];
        sb.Append("  ").AppendLine(line);
        var caretLength = Math.Max(1, Math.Min(Span.Length, lineEnd - offset));
        sb.Append("  ").Append(' ', offset - lineStart).Append('^', caretLength);
        return sb.ToString();
    }
}
