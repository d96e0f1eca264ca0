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
public sealed class MacroExpander(IMacroSource macros)
{
    private const int MaxDepth = 32;

    public IMacroSource Macros { get; } = macros;

    public ExpansionResult Expand(string search)
    {
        try
        {
            var withoutComments = RemoveComments(search);
            var used = new List<string>();
            var text = ExpandText(withoutComments, [], 0, used);
            return new ExpansionResult(text, used, null);
        }
        catch (DiagnosticException e)
        {
            return new ExpansionResult(null, [], e.Diagnostic);
        }
    }

    /// <summary>Removes SPL comments: three backticks, any text, three backticks.</summary>
    public static string RemoveComments(string s)
    {
        var start = s.IndexOf("```", StringComparison.Ordinal);
        if (start < 0)
        {
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
            pos = end + 3;
            start = s.IndexOf("```", pos, StringComparison.Ordinal);
        }

        sb.Append(s, pos, s.Length - pos);
        return sb.ToString();
    }

    private string ExpandText(string text, List<string> stack, int depth, List<string> used)
    {
        if (text.IndexOf('`') < 0)
        {
            return text;
        }

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
            sb.Append(ExpandCall(call, span, stack, depth, used));
            i = close;
        }

        return sb.ToString();
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
