using Escudo.Core.Text;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Syntax;

/// <summary>
/// Eval expressions by precedence, loosest first: OR, XOR, AND, NOT, comparison and LIKE,
/// + - . (concatenation), * / %, unary minus
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Eval , "Operators").
/// Keywords AND/OR/NOT/XOR/LIKE are accepted in any case, as ESCU writes some in lower case.
/// </summary>
internal sealed partial class Parser
{
    private Expr ParseExpr() => ParseOr();

    /// <summary>
    /// An operator keyword where an operator may stand. AND/OR/XOR/NOT are keywords even before a
    /// parenthesis (`x>1 AND (y OR z)`); LIKE directly followed by `(` is the like() function.
    /// </summary>
    private bool PeekKeyword(string keyword, out Token t)
    {
        t = PeekE();
        if (t.Kind != TokenKind.Word || !t.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return keyword != "LIKE" || _lx.LexExpr(t.End) is not { Kind: TokenKind.LParen } paren || paren.Start != t.End;
    }

    private Expr ParseOr()
    {
        var left = ParseXor();
        while (PeekKeyword("OR", out var t))
        {
            _pos = t.End;
            var right = ParseXor();
            left = Deeper(new Binary("OR", left, right, left.Span.Union(right.Span)), t, left, right);
        }

        return left;
    }

    private Expr ParseXor()
    {
        var left = ParseAnd();
        while (PeekKeyword("XOR", out var t))
        {
            _pos = t.End;
            var right = ParseAnd();
            left = Deeper(new Binary("XOR", left, right, left.Span.Union(right.Span)), t, left, right);
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (PeekKeyword("AND", out var t))
        {
            _pos = t.End;
            var right = ParseNot();
            left = Deeper(new Binary("AND", left, right, left.Span.Union(right.Span)), t, left, right);
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (PeekKeyword("NOT", out var t))
        {
            _pos = t.End;
            EnterNesting(t);
            var operand = ParseNot();
            LeaveNesting();
            return Deeper(new Unary("NOT", operand, TextSpan.FromBounds(t.Start, operand.Span.End)), t, operand);
        }

        return ParseComparison();
    }

    private Expr ParseComparison()
    {
        var left = ParseAdditive();
        var t = PeekE();
        string? op = t.Kind switch
        {
            TokenKind.Eq or TokenKind.EqEq => "=",
            TokenKind.Neq => "!=",
            TokenKind.Lt => "<",
            TokenKind.Le => "<=",
            TokenKind.Gt => ">",
            TokenKind.Ge => ">=",
            _ => null,
        };
        if (op is null && PeekKeyword("LIKE", out _))
        {
            op = "LIKE";
        }

        // `x IN ("a", "b")` in eval and where is in(x, "a", "b").
        // https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Where
        if (op is null && t.Kind == TokenKind.Word && t.Text.Equals("IN", StringComparison.OrdinalIgnoreCase)
            && _lx.LexExpr(t.End).Kind == TokenKind.LParen)
        {
            _pos = _lx.LexExpr(t.End).End;
            EnterNesting(t);
            var items = new List<Expr> { left };
            while (true)
            {
                items.Add(ParseExpr());
                var sep = PeekE();
                if (sep.Kind != TokenKind.Comma)
                {
                    break;
                }

                _pos = sep.End;
            }

            ExpectE(TokenKind.RParen, "`,` or `)` in the IN list");
            LeaveNesting();
            return Deeper(new Call("in", items, TextSpan.FromBounds(left.Span.Start, _pos)), t, items);
        }

        if (op is null)
        {
            return left;
        }

        _pos = t.End;
        var right = ParseAdditive();
        return Deeper(new Binary(op, left, right, left.Span.Union(right.Span)), t, left, right);
    }

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (true)
        {
            var t = PeekE();
            if (t.Kind == TokenKind.Number && t.Text.StartsWith('.'))
            {
                // "port:".443 is a concatenation, not a string followed by the number 0.443: a
                // number cannot follow an operand, so the dot is the `.` operator.
                _pos = t.Start + 1;
                var number = ParseMultiplicative();
                left = new Binary(".", left, number, left.Span.Union(number.Span));
                continue;
            }

            if (t.Kind is not (TokenKind.Plus or TokenKind.Minus or TokenKind.Dot))
            {
                return left;
            }

            _pos = t.End;
            var right = ParseMultiplicative();
            left = Deeper(new Binary(t.Text, left, right, left.Span.Union(right.Span)), t, left, right);
        }
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseUnaryExpr();
        while (true)
        {
            var t = PeekE();
            if (t.Kind is not (TokenKind.Star or TokenKind.Slash or TokenKind.Percent))
            {
                return left;
            }

            _pos = t.End;
            var right = ParseUnaryExpr();
            left = Deeper(new Binary(t.Text, left, right, left.Span.Union(right.Span)), t, left, right);
        }
    }

    private Expr ParseUnaryExpr()
    {
        var t = PeekE();
        if (t.Kind is TokenKind.Minus or TokenKind.Plus)
        {
            _pos = t.End;
            EnterNesting(t);
            var operand = ParseUnaryExpr();
            LeaveNesting();
            if (t.Kind == TokenKind.Minus && operand is NumberLiteral n)
            {
                return new NumberLiteral(-n.Value, "-" + n.Text, TextSpan.FromBounds(t.Start, operand.Span.End));
            }

            return t.Kind == TokenKind.Minus ? Deeper(new Unary("-", operand, TextSpan.FromBounds(t.Start, operand.Span.End)), t, operand) : operand;
        }

        return ParsePrimary();
    }

    private Expr ParsePrimary()
    {
        var t = NextE();
        switch (t.Kind)
        {
            case TokenKind.Number:
                return new NumberLiteral(Lexer.ParseNumber(t.Text), t.Text, t.Span);
            case TokenKind.String:
                return new StringLiteral(t.Value, t.Span);
            case TokenKind.QuotedField:
                return new FieldRef(t.Value, t.Span);
            case TokenKind.LParen:
                {
                    EnterNesting(t);
                    var inner = ParseExpr();
                    ExpectE(TokenKind.RParen, "`)`");
                    LeaveNesting();
                    return inner;
                }

            case TokenKind.Word:
                {
                    var next = PeekE();
                    if (next.Kind == TokenKind.LParen && (next.Start == t.End || EvalFunctionNames.Contains(t.Text)))
                    {
                        _pos = next.End;
                        EnterNesting(t);
                        var args = new List<Expr>();
                        if (PeekE().Kind != TokenKind.RParen)
                        {
                            while (true)
                            {
                                args.Add(ParseExpr());
                                var sep = PeekE();
                                if (sep.Kind == TokenKind.Comma)
                                {
                                    _pos = sep.End;
                                    continue;
                                }

                                break;
                            }
                        }

                        ExpectE(TokenKind.RParen, "`,` or `)` in the argument list");
                        LeaveNesting();
                        return Deeper(new Call(t.Text.ToLowerInvariant(), args, TextSpan.FromBounds(t.Start, _pos)), t, args);
                    }

                    if (t.Text.Equals("true", StringComparison.Ordinal) || t.Text.Equals("false", StringComparison.Ordinal))
                    {
                        // Bare true/false are field names in Splunk eval; true() and false() are the booleans.
                        return new FieldRef(t.Text, t.Span);
                    }

                    return new FieldRef(t.Text, t.Span);
                }

            default:
                throw Error(SplDiagnostics.Unexpected(t, "a value, field name, function call or `(`"));
        }
    }
}
