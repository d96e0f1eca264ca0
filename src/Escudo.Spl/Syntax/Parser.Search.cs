using Escudo.Core.Text;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Syntax;

internal sealed partial class Parser
{
    private Command ParseSearchCommand(int start)
    {
        var expr = ParseSearchExpr(stopAtBy: false);
        return new SearchCommand(expr, Span(start));
    }

    private SearchExpr ParseSearchExpr(bool stopAtBy)
    {
        var start = _lx.SkipSpace(_pos);
        var t = PeekW();
        if (IsSearchEnd(t, stopAtBy))
        {
            return new SearchAll(new TextSpan(start, 0));
        }

        return ParseSearchAnd(stopAtBy);
    }

    private static bool IsSearchEnd(Token t, bool stopAtBy) =>
        t.Kind is TokenKind.End or TokenKind.Pipe or TokenKind.RBracket or TokenKind.RParen
        || (stopAtBy && t.IsWord("by"));

    // Splunk evaluates NOT first, then OR, then AND (implicit or explicit): `a b OR c` is
    // `a AND (b OR c)`. https://docs.splunk.com/Documentation/Splunk/latest/Search/Booleanexpressions
    private SearchExpr ParseSearchOr(bool stopAtBy)
    {
        var start = _lx.SkipSpace(_pos);
        var terms = new List<SearchExpr> { ParseSearchUnary(stopAtBy) };
        while (PeekW() is { Kind: TokenKind.Word, Text: "OR" } orWord)
        {
            _pos = orWord.End;
            if (IsSearchEnd(PeekW(), stopAtBy))
            {
                throw Error(SplDiagnostics.Unexpected(PeekW(), "a search term after OR"));
            }

            terms.Add(ParseSearchUnary(stopAtBy));
        }

        return terms.Count == 1 ? terms[0] : new SearchOr(terms, Span(start));
    }

    private SearchExpr ParseSearchAnd(bool stopAtBy)
    {
        var start = _lx.SkipSpace(_pos);
        var terms = new List<SearchExpr>();
        while (true)
        {
            var t = PeekW();
            if (IsSearchEnd(t, stopAtBy))
            {
                break;
            }

            if (t.Kind == TokenKind.Word && t.Text == "AND")
            {
                _pos = t.End;
                continue;
            }

            terms.Add(ParseSearchOr(stopAtBy));
        }

        if (terms.Count == 0)
        {
            throw Error(SplDiagnostics.Unexpected(PeekW(), "a search term"));
        }

        return terms.Count == 1 ? terms[0] : new SearchAnd(terms, Span(start));
    }

    private SearchExpr ParseSearchUnary(bool stopAtBy)
    {
        var t = PeekW();
        CheckBad(t);
        if (t.Kind == TokenKind.Word && t.Text == "NOT")
        {
            _pos = t.End;
            EnterNesting(t);
            var operand = ParseSearchUnary(stopAtBy);
            LeaveNesting();
            return new SearchNot(operand, TextSpan.FromBounds(t.Start, operand.Span.End));
        }

        if (t.Kind == TokenKind.LParen)
        {
            _pos = t.End;
            EnterNesting(t);
            var inner = PeekW().Kind == TokenKind.RParen ? new SearchAll(new TextSpan(t.End, 0)) : ParseSearchAnd(stopAtBy: false);
            ExpectW(TokenKind.RParen, "`)`");
            LeaveNesting();
            return inner;
        }

        if (t.Kind == TokenKind.LBracket)
        {
            var p = ParseBracketedPipeline();
            return new SearchSubsearch(p, TextSpan.FromBounds(t.Start, _pos));
        }

        if (t.Kind is not (TokenKind.Word or TokenKind.String))
        {
            throw Error(SplDiagnostics.Unexpected(t, "a search term"));
        }

        _pos = t.End;

        // TERM(x) and CASE(x): the inner text is one term.
        if (t.Kind == TokenKind.Word && (t.Text.Equals("TERM", StringComparison.OrdinalIgnoreCase) || t.Text.Equals("CASE", StringComparison.OrdinalIgnoreCase))
            && _lx.LexWord(_pos).Kind == TokenKind.LParen && _lx.LexWord(_pos).Start == _pos)
        {
            ExpectW(TokenKind.LParen, "`(`");
            var inner = NextW();
            ExpectW(TokenKind.RParen, "`)`");
            return new SearchTerm(inner.Value, inner.Kind == TokenKind.String, TextSpan.FromBounds(t.Start, _pos));
        }

        var op = PeekW();
        if (op.Kind is TokenKind.Eq or TokenKind.EqEq or TokenKind.Neq or TokenKind.Lt or TokenKind.Le or TokenKind.Gt or TokenKind.Ge)
        {
            return ParseSearchCompare(t, op, stopAtBy);
        }

        if (op.IsWord("IN") && _lx.LexWord(op.End).Kind == TokenKind.LParen)
        {
            return ParseSearchIn(t, op);
        }

        if (t.Kind == TokenKind.Word && t.Text == "*")
        {
            return new SearchAll(t.Span);
        }

        return new SearchTerm(t.Value, t.Kind == TokenKind.String, t.Span);
    }

    /// <summary>field=value, field!=value, field&lt;value, ...: a comparison; <c>field=</c> with nothing after compares with the empty string.</summary>
    private SearchCompare ParseSearchCompare(Token t, Token op, bool stopAtBy)
    {
        _pos = op.End;
        var v = PeekW();
        string value;
        var quoted = false;
        if (v.Kind == TokenKind.Word || v.Kind == TokenKind.String)
        {
            _pos = v.End;
            value = v.Value;
            quoted = v.Kind == TokenKind.String;
        }
        else if (IsSearchEnd(v, stopAtBy) || v.Kind is TokenKind.Comma)
        {
            value = string.Empty; // `field=` compares with the empty string
        }
        else
        {
            CheckBad(v);
            throw Error(SplDiagnostics.Unexpected(v, $"a value after `{op.Text}`"));
        }

        var opText = op.Kind == TokenKind.EqEq ? "=" : op.Text;
        return new SearchCompare(t.Value, opText, value, quoted, TextSpan.FromBounds(t.Start, _pos));
    }

    /// <summary>field IN (a, b, "c"): a list of values or wildcards.</summary>
    private SearchIn ParseSearchIn(Token t, Token op)
    {
        _pos = op.End;
        ExpectW(TokenKind.LParen, "`(`");
        var values = new List<string>();
        while (true)
        {
            var item = PeekW();
            if (item.Kind == TokenKind.RParen)
            {
                _pos = item.End;
                break;
            }

            if (item.Kind == TokenKind.Comma)
            {
                _pos = item.End;
                continue;
            }

            if (item.Kind is TokenKind.Word or TokenKind.String)
            {
                _pos = item.End;
                values.Add(item.Value);
                continue;
            }

            CheckBad(item);
            throw Error(SplDiagnostics.Unexpected(item, "a value or `)` in the IN list"));
        }

        return new SearchIn(t.Value, values, TextSpan.FromBounds(t.Start, _pos));
    }
}
