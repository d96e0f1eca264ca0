using System.Globalization;
using System.Text;

namespace Escudo.Spl.Syntax;

/// <summary>
/// Reads tokens from SPL text on demand. SPL has two lexical worlds: the search language and
/// command arguments ("word mode": a word runs until white space or punctuation such as
/// <c>( ) [ ] , | = != &lt; &gt;</c>, so <c>10.0.0.0/8</c>, <c>*\\Run*</c> and
/// <c>Registry.registry_path</c> are single words), and eval expressions ("expression mode":
/// identifiers, numbers and operators, where <c>.</c> concatenates and <c>-</c> subtracts).
/// The parser asks for the mode it needs at each point.
/// </summary>
internal sealed class Lexer(string text)
{
    public string Text { get; } = text;

    public static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    public int SkipSpace(int pos)
    {
        while (pos < Text.Length && IsSpace(Text[pos]))
        {
            pos++;
        }

        return pos;
    }

    public Token LexWord(int pos)
    {
        pos = SkipSpace(pos);
        if (pos >= Text.Length)
        {
            return new Token(TokenKind.End, Text.Length, Text.Length, string.Empty, string.Empty);
        }

        var c = Text[pos];
        switch (c)
        {
            case '(': return Single(TokenKind.LParen, pos);
            case ')': return Single(TokenKind.RParen, pos);
            case '[': return Single(TokenKind.LBracket, pos);
            case ']': return Single(TokenKind.RBracket, pos);
            case ',': return Single(TokenKind.Comma, pos);
            case '|': return Single(TokenKind.Pipe, pos);
            case '"': return LexString(pos);
            case '=':
                return pos + 1 < Text.Length && Text[pos + 1] == '='
                    ? new Token(TokenKind.EqEq, pos, pos + 2, "==", "==")
                    : Single(TokenKind.Eq, pos);
            case '!' when pos + 1 < Text.Length && Text[pos + 1] == '=':
                return new Token(TokenKind.Neq, pos, pos + 2, "!=", "!=");
            case '<':
                return pos + 1 < Text.Length && Text[pos + 1] == '='
                    ? new Token(TokenKind.Le, pos, pos + 2, "<=", "<=")
                    : Single(TokenKind.Lt, pos);
            case '>':
                return pos + 1 < Text.Length && Text[pos + 1] == '='
                    ? new Token(TokenKind.Ge, pos, pos + 2, ">=", ">=")
                    : Single(TokenKind.Gt, pos);
        }

        var start = pos;
        var sb = (StringBuilder?)null;
        while (pos < Text.Length)
        {
            c = Text[pos];
            if (IsSpace(c) || c is '(' or ')' or '[' or ']' or ',' or '|' or '=' or '<' or '>' or '"')
            {
                break;
            }

            if (c == '!' && pos + 1 < Text.Length && Text[pos + 1] == '=')
            {
                break;
            }

            if (c == '\\' && pos + 1 < Text.Length && Text[pos + 1] is '\\' or '"' or '|' or '=' or '(' or ')' or '[' or ']' or ',' or ' ')
            {
                // An escaped character in an unquoted word: keep the character, drop the backslash.
                sb ??= new StringBuilder(Text, start, pos - start, 32);
                sb.Append(Text[pos + 1]);
                pos += 2;
                continue;
            }

            sb?.Append(c);
            pos++;
        }

        var raw = Text[start..pos];
        return new Token(TokenKind.Word, start, pos, raw, sb?.ToString() ?? raw);
    }

    public Token LexExpr(int pos)
    {
        pos = SkipSpace(pos);
        if (pos >= Text.Length)
        {
            return new Token(TokenKind.End, Text.Length, Text.Length, string.Empty, string.Empty);
        }

        var c = Text[pos];
        switch (c)
        {
            case '(': return Single(TokenKind.LParen, pos);
            case ')': return Single(TokenKind.RParen, pos);
            case '[': return Single(TokenKind.LBracket, pos);
            case ']': return Single(TokenKind.RBracket, pos);
            case ',': return Single(TokenKind.Comma, pos);
            case '|': return Single(TokenKind.Pipe, pos);
            case '+': return Single(TokenKind.Plus, pos);
            case '-': return Single(TokenKind.Minus, pos);
            case '*': return Single(TokenKind.Star, pos);
            case '/': return Single(TokenKind.Slash, pos);
            case '%': return Single(TokenKind.Percent, pos);
            case '"': return LexString(pos);
            case '\'': return LexQuotedField(pos);
            case '=':
                return pos + 1 < Text.Length && Text[pos + 1] == '='
                    ? new Token(TokenKind.EqEq, pos, pos + 2, "==", "==")
                    : Single(TokenKind.Eq, pos);
            case '!':
                return pos + 1 < Text.Length && Text[pos + 1] == '='
                    ? new Token(TokenKind.Neq, pos, pos + 2, "!=", "!=")
                    : Single(TokenKind.Bad, pos);
            case '<':
                if (pos + 1 < Text.Length && Text[pos + 1] == '>')
                {
                    return new Token(TokenKind.Neq, pos, pos + 2, "<>", "!=");
                }

                return pos + 1 < Text.Length && Text[pos + 1] == '='
                    ? new Token(TokenKind.Le, pos, pos + 2, "<=", "<=")
                    : Single(TokenKind.Lt, pos);
            case '>':
                return pos + 1 < Text.Length && Text[pos + 1] == '='
                    ? new Token(TokenKind.Ge, pos, pos + 2, ">=", ">=")
                    : Single(TokenKind.Gt, pos);
        }

        if ((char.IsAsciiDigit(c) || (c == '.' && pos + 1 < Text.Length && char.IsAsciiDigit(Text[pos + 1]))) && TryLexNumber(pos, out var number))
        {
            return number;
        }

        if (c == '.')
        {
            return Single(TokenKind.Dot, pos);
        }

        if (IsIdentChar(c))
        {
            var start = pos;
            while (pos < Text.Length && (IsIdentChar(Text[pos]) || (Text[pos] == '.' && pos + 1 < Text.Length && char.IsAsciiDigit(Text[pos + 1]) && IsNumericSoFar(start, pos))))
            {
                pos++;
            }

            var word = Text[start..pos];
            return new Token(TokenKind.Word, start, pos, word, word);
        }

        return Single(TokenKind.Bad, pos);
    }

    /// <summary>A number (digits, a fraction, an exponent) at <paramref name="pos"/>; false when the digits run on into a word such as 1d or 10.0.0.1.</summary>
    private bool TryLexNumber(int pos, out Token token)
    {
        var start = pos;
        while (pos < Text.Length && char.IsAsciiDigit(Text[pos]))
        {
            pos++;
        }

        if (pos < Text.Length && Text[pos] == '.' && pos + 1 < Text.Length && char.IsAsciiDigit(Text[pos + 1]))
        {
            pos++;
            while (pos < Text.Length && char.IsAsciiDigit(Text[pos]))
            {
                pos++;
            }
        }

        if (pos < Text.Length && Text[pos] is 'e' or 'E' && pos + 1 < Text.Length && (char.IsAsciiDigit(Text[pos + 1]) || (Text[pos + 1] is '-' or '+' && pos + 2 < Text.Length && char.IsAsciiDigit(Text[pos + 2]))))
        {
            pos += 2;
            while (pos < Text.Length && char.IsAsciiDigit(Text[pos]))
            {
                pos++;
            }
        }

        // A token like 1d or 10.0.0.1 is not a number: let the identifier rule take it whole.
        if (pos >= Text.Length || !(char.IsAsciiLetter(Text[pos]) || Text[pos] == '_' || (Text[pos] == '.' && pos + 1 < Text.Length && char.IsAsciiDigit(Text[pos + 1]))))
        {
            var numText = Text[start..pos];
            token = new Token(TokenKind.Number, start, pos, numText, numText);
            return true;
        }

        token = default;
        return false;
    }

    private bool IsNumericSoFar(int start, int pos)
    {
        for (var i = start; i < pos; i++)
        {
            if (!(char.IsAsciiDigit(Text[i]) || Text[i] == '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIdentChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '@' or ':' or '{' or '}';

    private Token Single(TokenKind kind, int pos) => new(kind, pos, pos + 1, Text.Substring(pos, 1), Text.Substring(pos, 1));

    /// <summary>
    /// A double-quoted string. <c>\\</c> and <c>\"</c> are escapes; any other backslash is kept
    /// (https://help.splunk.com/splunk-enterprise/search/search-manual/9.4/search-primer/backslashes).
    /// </summary>
    private Token LexString(int pos) => LexQuoted(pos, '"', TokenKind.String, "unterminated string");

    /// <summary>A single-quoted field name (eval), with the same escapes for its own quote.</summary>
    private Token LexQuotedField(int pos) => LexQuoted(pos, '\'', TokenKind.QuotedField, "unterminated field name");

    private Token LexQuoted(int pos, char quote, TokenKind kind, string unterminated)
    {
        var start = pos;
        pos++;
        var sb = new StringBuilder();
        while (pos < Text.Length)
        {
            var c = Text[pos];
            if (c == '\\' && pos + 1 < Text.Length && (Text[pos + 1] == '\\' || Text[pos + 1] == quote))
            {
                sb.Append(Text[pos + 1]);
                pos += 2;
                continue;
            }

            if (c == quote)
            {
                return new Token(kind, start, pos + 1, Text[start..(pos + 1)], sb.ToString());
            }

            sb.Append(c);
            pos++;
        }

        return new Token(TokenKind.Bad, start, Text.Length, Text[start..], unterminated);
    }

    public static double ParseNumber(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
