using System.Text;
using Escudo.Core.Diagnostics;
using Escudo.Core.Text;
using Escudo.Spl.Syntax;

namespace Escudo.Spl.Macros;

/// <summary>
/// Expands backtick macro calls in search text: <c>`name`</c> and <c>`name(a, b)`</c>, with
/// <c>$arg$</c> substitution, nested macros, and cycle detection. Backticks inside double-quoted
/// strings are text, not macros, and triple-backtick comments (<c>```...```</c>) are removed first
/// (https://docs.splunk.com/Documentation/Splunk/latest/Knowledge/Definesearchmacros ,
/// https://docs.splunk.com/Documentation/Splunk/latest/Search/Addcommentstosearches).
/// </summary>
internal sealed class MacroExpander(IMacroSource macros)
{
    private const int MaxDepth = 32;

    public IMacroSource Macros { get; } = macros;

    public ExpansionResult Expand(string search)
    {
        var commentMap = new SourceMap();
        var withoutComments = RemoveComments(search, commentMap);
        try
        {
            var used = new List<string>();
            var macroMap = new SourceMap();
            var text = ExpandText(withoutComments, [], 0, used, macroMap);
            return new ExpansionResult(text, used, null) { Map = macroMap.Then(commentMap) };
        }
        catch (DiagnosticException e)
        {
            // Expansion errors point into the comment-free text; move them to the written text.
            return new ExpansionResult(null, [], commentMap.ToOriginal(e.Diagnostic));
        }
    }

    /// <summary>Removes SPL comments: three backticks, any text, three backticks.</summary>
    public static string RemoveComments(string s) => RemoveComments(s, null);

    /// <summary>Removes SPL comments (each becomes one space) and records where the remaining text came from.</summary>
    public static string RemoveComments(string s, SourceMap? map)
    {
        var start = s.IndexOf("```", StringComparison.Ordinal);
        if (start < 0)
        {
            map?.Copied(0, s.Length);
            return s;
        }

        var sb = new StringBuilder(s.Length);
        var pos = 0;
        while (start >= 0)
        {
            var end = s.IndexOf("```", start + 3, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            sb.Append(s, pos, start - pos).Append(' ');
            map?.Copied(pos, start - pos);
            map?.Copied(start, 1); // the space stands for the comment's first character
            pos = end + 3;
            start = s.IndexOf("```", pos, StringComparison.Ordinal);
        }

        sb.Append(s, pos, s.Length - pos);
        map?.Copied(pos, s.Length - pos);
        return sb.ToString();
    }

    /// <param name="map">Only for the written text (depth 0): records where each expanded character came from.</param>
    private string ExpandText(string text, List<string> stack, int depth, List<string> used, SourceMap? map = null)
    {
        if (text.IndexOf('`') < 0)
        {
            map?.Copied(0, text.Length);
            return text;
        }

        var copiedFrom = 0; // start of the run of written text not yet recorded in the map

        var sb = new StringBuilder(text.Length + 64);
        var inQuote = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && inQuote && i + 1 < text.Length)
            {
                sb.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            if (c == '"')
            {
                inQuote = !inQuote;
                sb.Append(c);
                continue;
            }

            if (c != '`' || inQuote)
            {
                sb.Append(c);
                continue;
            }

            var close = FindClosingBacktick(text, i + 1);
            if (close < 0)
            {
                throw new DiagnosticException(SplDiagnostics.UnterminatedMacro(new TextSpan(i, 1)));
            }

            var call = text[(i + 1)..close].Trim();
            var span = TextSpan.FromBounds(i, close + 1);
            map?.Copied(copiedFrom, i - copiedFrom);
            string expansion;
            try
            {
                expansion = ExpandCall(call, span, stack, depth, used);
            }
            catch (DiagnosticException e) when (depth == 0 && e.Diagnostic.Span != span)
            {
                // A problem inside a macro's definition (a nested unknown macro, a cycle) has a
                // position in the definition's text; the user wrote the call, so point there.
                throw new DiagnosticException(e.Diagnostic with { Span = span, Message = $"{e.Diagnostic.Message} (in the expansion of macro `{MacroName(call)}`)" });
            }

            map?.FromMacro(span, MacroName(call), expansion.Length);
            sb.Append(expansion);
            i = close;
            copiedFrom = close + 1;
        }

        map?.Copied(copiedFrom, text.Length - copiedFrom);
        return sb.ToString();
    }

    private static string MacroName(string call)
    {
        var paren = call.IndexOf('(');
        return (paren > 0 ? call[..paren] : call).Trim();
    }

    private static int FindClosingBacktick(string text, int from)
    {
        var inQuote = false;
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '"')
            {
                inQuote = !inQuote;
            }
            else if (text[i] == '`' && !inQuote)
            {
                return i;
            }
        }

        // A quote inside a macro's arguments may be unbalanced; fall back to the next backtick.
        return text.IndexOf('`', from);
    }

    private string ExpandCall(string call, TextSpan span, List<string> stack, int depth, List<string> used)
    {
        var name = call;
        var args = new List<string>();
        var paren = call.IndexOf('(');
        if (paren > 0 && call.EndsWith(')'))
        {
            name = call[..paren].Trim();
            args = SplitArguments(call[(paren + 1)..^1]);
        }

        var macro = Macros.Find(name, args.Count)
            ?? throw new DiagnosticException(SplDiagnostics.UnknownMacro(name, args.Count, span));
        var key = $"{name}({args.Count})";
        if (stack.Contains(key) || depth >= MaxDepth)
        {
            throw new DiagnosticException(SplDiagnostics.MacroCycle(string.Join(" -> ", stack.Append(key)), span));
        }

        used.Add(key);
        var body = macro.Definition;
        for (var a = 0; a < macro.Arguments.Count; a++)
        {
            var value = args[a];
            if (name == "drop_dm_object_name")
            {
                // ESCU writes both `drop_dm_object_name(Processes)` and `drop_dm_object_name("Processes")`.
                value = value.Trim('"');
            }

            body = body.Replace("$" + macro.Arguments[a] + "$", value, StringComparison.Ordinal);
        }

        stack.Add(key);
        var expanded = ExpandText(body, stack, depth + 1, used);
        stack.RemoveAt(stack.Count - 1);
        return expanded;
    }

    /// <summary>Splits macro arguments at top-level commas, honouring quotes and parentheses.</summary>
    public static List<string> SplitArguments(string s)
    {
        var args = new List<string>();
        var depth = 0;
        var inQuote = false;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\' && i + 1 < s.Length)
            {
                i++;
                continue;
            }

            if (c == '"')
            {
                inQuote = !inQuote;
            }
            else if (!inQuote && c == '(')
            {
                depth++;
            }
            else if (!inQuote && c == ')')
            {
                depth--;
            }
            else if (!inQuote && depth == 0 && c == ',')
            {
                args.Add(s[start..i].Trim());
                start = i + 1;
            }
        }

        args.Add(s[start..].Trim());
        return args;
    }
}
