using Escudo.Spl.Syntax.Ast;
using SortKey = Escudo.Spl.Syntax.Ast.SortKey;

namespace Escudo.Spl.Syntax;

/// <summary>Commands that keep or order rows: head, sort, dedup, regex.</summary>
internal sealed partial class Parser
{
    private Command ParseHead(int start)
    {
        var t = PeekW();
        if (t.Kind == TokenKind.LParen)
        {
            _pos = t.End;
            var predicate = ParseExpr();
            ExpectE(TokenKind.RParen, "`)`");
            return new HeadCommand(int.MaxValue, predicate, Span(start));
        }

        var n = ParseOptionalCount("head", 10);
        ExpectCommandEnd("head");
        return new HeadCommand(n, null, Span(start));
    }

    private Command ParseSort(int start)
    {
        var limit = 10000;
        var t = PeekW();
        if (t.Kind == TokenKind.Word && int.TryParse(t.Text, out var n))
        {
            limit = n;
            _pos = t.End;
        }

        var opts = ParseOptions();
        if (Option(opts, "limit") is { } l && int.TryParse(l, out var lim))
        {
            limit = lim;
        }

        var keys = ParseSortKeys();
        var reverse = false;
        if (PeekW().IsWord("desc") || PeekW().IsWord("d"))
        {
            reverse = true;
            _pos = PeekW().End;
        }

        ExpectCommandEnd("sort");
        return new SortCommand(limit == 0 ? int.MaxValue : limit, keys, reverse, Span(start));
    }

    private List<SortKey> ParseSortKeys()
    {
        var keys = new List<SortKey>();
        var pendingDesc = false;
        while (true)
        {
            var t = PeekW();
            if (t.Kind == TokenKind.Comma)
            {
                _pos = t.End;
                continue;
            }

            if (t.Kind is not (TokenKind.Word or TokenKind.String) || t.IsWord("desc") || t.IsWord("d"))
            {
                break;
            }

            _pos = t.End;
            var text = t.Value;
            if (text is "-" or "+")
            {
                pendingDesc = text == "-";
                continue;
            }

            var desc = pendingDesc;
            pendingDesc = false;
            if (text.StartsWith('-') || text.StartsWith('+'))
            {
                desc = text[0] == '-';
                text = text[1..];
            }

            string? type = null;
            if (text is "num" or "str" or "ip" or "auto" && PeekW().Kind == TokenKind.LParen)
            {
                type = text;
                ExpectW(TokenKind.LParen, "`(`");
                text = ExpectName("a field name");
                ExpectW(TokenKind.RParen, "`)`");
            }

            keys.Add(new SortKey(text, desc, type));
        }

        return keys;
    }

    private Command ParseDedup(int start)
    {
        var count = 1;
        var t = PeekW();
        if (t.Kind == TokenKind.Word && int.TryParse(t.Text, out var n))
        {
            count = n;
            _pos = t.End;
        }

        var opts = ParseOptions();
        var fields = ParseFieldList("sortby");
        opts.AddRange(ParseOptions());
        var sortBy = new List<SortKey>();
        if (PeekW().IsWord("sortby"))
        {
            _pos = PeekW().End;
            sortBy = ParseSortKeys();
        }

        ExpectCommandEnd("dedup");
        if (fields.Count == 0)
        {
            throw Error(SplDiagnostics.BadArguments("dedup", Span(start), "at least one field is required"));
        }

        return new DedupCommand(count, fields, IsTrue(Option(opts, "keepempty")), IsTrue(Option(opts, "consecutive")), sortBy, Span(start));
    }

    private Command ParseRegex(int start)
    {
        var t = PeekW();
        if (t.Kind == TokenKind.String)
        {
            _pos = t.End;
            ExpectCommandEnd("regex");
            return new RegexCommand("_raw", false, t.Value, Span(start));
        }

        var field = ExpectName("a field name or a quoted regular expression");
        var op = NextW();
        if (op.Kind is not (TokenKind.Eq or TokenKind.Neq))
        {
            throw Error(SplDiagnostics.Unexpected(op, "`=` or `!=`"));
        }

        var p = NextW();
        if (p.Kind is not (TokenKind.String or TokenKind.Word))
        {
            throw Error(SplDiagnostics.Unexpected(p, "a regular expression"));
        }

        ExpectCommandEnd("regex");
        return new RegexCommand(field, op.Kind == TokenKind.Neq, p.Value, Span(start));
    }
}
