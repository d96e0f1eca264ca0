using System.Text;
using System.Text.RegularExpressions;

namespace Escudo.Server.Storage;

/// <summary>
/// Equality constraints a store can evaluate itself (in SQL): <c>field IN (values)</c> on a few
/// indexed columns. Always a superset of what the search wants; the engine re-applies the filter.
/// </summary>
public sealed record Pushdown(IReadOnlyDictionary<string, IReadOnlyList<string>> Equalities)
{
    public static readonly Pushdown None = new(new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>Fields the store has as columns, by the name a search uses.</summary>
    public static readonly IReadOnlySet<string> Columns = new HashSet<string>(StringComparer.Ordinal) { "index", "sourcetype", "source", "host", "EventCode" };

    public bool IsEmpty => Equalities.Count == 0;
}

/// <summary>
/// Finds pushable equalities in search text: the leading search of a pipeline, before the first
/// pipe, read as an AND of terms. A term <c>f=v</c> (no wildcard) or a group
/// <c>(f=v1 OR f=v2)</c> on one column field is kept; anything else (keywords, other fields,
/// NOT, comparisons) is ignored, which only widens the result. A top-level OR, or a pipeline
/// that can scan more than once (subsearches, append, join, ...), gives no pushdown at all.
/// </summary>
public static partial class PushdownAnalyzer
{
    public static Pushdown FromSearch(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Pushdown.None;
        }

        if (text.Contains('[', StringComparison.Ordinal) || MultiScan().IsMatch(text))
        {
            return Pushdown.None;
        }

        var head = FirstSegment(text).Trim();
        if (head.StartsWith("search ", StringComparison.OrdinalIgnoreCase))
        {
            head = head[7..];
        }
        else if (head.StartsWith('|'))
        {
            return Pushdown.None; // a generating command
        }

        return FromFilterText(head);
    }

    /// <summary>The filter itself as text (a store's <c>PushdownText</c>): an AND of terms.</summary>
    public static Pushdown FromFilterText(string text)
    {
        var tokens = Tokenize(text);
        if (tokens is null)
        {
            return Pushdown.None;
        }

        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var i = 0;
        while (i < tokens.Count)
        {
            var t = tokens[i];
            if (t.Kind == TokKind.Word && t.Text.Equals("OR", StringComparison.Ordinal))
            {
                return Pushdown.None;
            }

            if (t.Kind == TokKind.Word && t.Text.Equals("NOT", StringComparison.Ordinal))
            {
                i = SkipTerm(tokens, i + 1);
                continue;
            }

            if (t.Kind == TokKind.Open)
            {
                var end = SkipTerm(tokens, i);
                var group = Group(tokens, i + 1, end - 1);
                if (group is { } g)
                {
                    Add(result, g.Field, g.Values);
                }

                i = end;
                continue;
            }

            if (Equality(t) is { } eq)
            {
                Add(result, eq.Field, [eq.Value]);
            }

            i++;
        }

        return result.Count == 0 ? Pushdown.None : new Pushdown(result);
    }

    private static void Add(Dictionary<string, IReadOnlyList<string>> result, string field, IReadOnlyList<string> values)
    {
        // Two constraints on one field are ANDed: keep the intersection.
        if (result.TryGetValue(field, out var existing))
        {
            result[field] = existing.Where(e => values.Any(v => string.Equals(e, v, StringComparison.OrdinalIgnoreCase))).ToList();
        }
        else
        {
            result[field] = values;
        }
    }

    /// <summary>The pushable content of <c>( f=a OR f=b ... )</c>, or null.</summary>
    private static (string Field, List<string> Values)? Group(List<Token> tokens, int from, int toExclusive)
    {
        string? field = null;
        var values = new List<string>();
        var expectTerm = true;
        for (var i = from; i < toExclusive; i++)
        {
            var t = tokens[i];
            if (expectTerm)
            {
                if (Equality(t) is not { } eq || (field is not null && field != eq.Field))
                {
                    return null;
                }

                field = eq.Field;
                values.Add(eq.Value);
                expectTerm = false;
            }
            else if (t.Kind == TokKind.Word && t.Text == "OR")
            {
                expectTerm = true;
            }
            else
            {
                return null;
            }
        }

        return field is null || expectTerm ? null : (field, values);
    }

    private static (string Field, string Value)? Equality(Token t)
    {
        if (t.Kind != TokKind.Word)
        {
            return null;
        }

        var eq = t.Text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == t.Text.Length - 1 || t.Text[eq - 1] is '!' or '<' or '>' || (eq + 1 < t.Text.Length && t.Text[eq + 1] == '='))
        {
            return null;
        }

        var field = t.Text[..eq];
        if (!Pushdown.Columns.Contains(field))
        {
            return null;
        }

        var value = t.Text[(eq + 1)..];
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }
        else if (value.Contains('"', StringComparison.Ordinal))
        {
            return null;
        }

        return value.Contains('*', StringComparison.Ordinal) || value.Length == 0 ? null : (field, value);
    }

    private static int SkipTerm(List<Token> tokens, int i)
    {
        if (i >= tokens.Count)
        {
            return i;
        }

        if (tokens[i].Kind != TokKind.Open)
        {
            return i + 1;
        }

        var depth = 0;
        for (; i < tokens.Count; i++)
        {
            depth += tokens[i].Kind switch { TokKind.Open => 1, TokKind.Close => -1, _ => 0 };
            if (depth == 0)
            {
                return i + 1;
            }
        }

        return tokens.Count;
    }

    private enum TokKind
    {
        Word,
        Open,
        Close,
    }

    private readonly record struct Token(TokKind Kind, string Text);

    /// <summary>Words, with double-quoted parts kept whole; null when quotes do not balance.</summary>
    private static List<Token>? Tokenize(string text)
    {
        var tokens = new List<Token>();
        var sb = new StringBuilder();
        var inQuote = false;
        void Flush()
        {
            if (sb.Length > 0)
            {
                tokens.Add(new Token(TokKind.Word, sb.ToString()));
                sb.Clear();
            }
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuote)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < text.Length)
                {
                    sb.Append(text[++i]);
                }
                else if (c == '"')
                {
                    inQuote = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inQuote = true;
                    sb.Append(c);
                    break;
                case '(':
                    Flush();
                    tokens.Add(new Token(TokKind.Open, "("));
                    break;
                case ')':
                    Flush();
                    tokens.Add(new Token(TokKind.Close, ")"));
                    break;
                case ' ' or '\t' or '\r' or '\n':
                    Flush();
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        if (inQuote)
        {
            return null;
        }

        Flush();
        // Spaces around '=' (f = v) are legal SPL: join them.
        for (var i = tokens.Count - 2; i >= 1; i--)
        {
            if (tokens[i].Kind == TokKind.Word && tokens[i].Text == "=" && tokens[i - 1].Kind == TokKind.Word && tokens[i + 1].Kind == TokKind.Word)
            {
                tokens[i - 1] = new Token(TokKind.Word, tokens[i - 1].Text + "=" + tokens[i + 1].Text);
                tokens.RemoveRange(i, 2);
                i--;
            }
        }

        return tokens;
    }

    private static string FirstSegment(string text)
    {
        var inQuote = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && inQuote)
            {
                i++;
            }
            else if (c == '"')
            {
                inQuote = !inQuote;
            }
            else if (c == '|' && !inQuote)
            {
                // A leading pipe starts a generating command.
                return text[..i].Trim().Length == 0 ? text : text[..i];
            }
        }

        return text;
    }

    [GeneratedRegex(@"\|\s*(append|appendcols|appendpipe|join|multisearch|union|map|set|selfjoin|from|inputlookup)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MultiScan();
}
