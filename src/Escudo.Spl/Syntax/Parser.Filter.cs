using Escudo.Spl.Syntax.Ast;
using SortKey = Escudo.Spl.Syntax.Ast.SortKey;

namespace Escudo.Spl.Syntax;

/// <summary>Commands that keep or order rows: head, sort, dedup, regex.</summary>
internal sealed partial class Parser
{
    /// <summary>
    /// head [&lt;N&gt; | (&lt;eval-expression&gt;)] [limit=&lt;int&gt;] [null=&lt;bool&gt;] [keeplast=&lt;bool&gt;]
    /// (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/head):
    /// options may stand before or after the count or expression; with both a count and a limit the smaller applies.
    /// </summary>
    private Command ParseHead(int start)
    {
        var options = ParseOptions();
        int? count = null;
        Expr? predicate = null;
        var t = PeekW();
        if (t.Kind == TokenKind.LParen)
        {
            _pos = t.End;
            predicate = ParseExpr();
            ExpectE(TokenKind.RParen, "`)`");
        }
        else if (t.Kind == TokenKind.Word && LooksLikeInteger(t.Text))
        {
            _pos = t.End;
            count = ResultCount("head", t.Text, t.Span);
        }

        options.AddRange(ParseOptions());
        if (options.LastOrDefault(o => o.Key.Equals("limit", StringComparison.OrdinalIgnoreCase)) is { } l)
        {
            var limit = ResultCount("head", l.Value, l.Span);
            count = count is { } c ? Math.Min(c, limit) : limit;
        }

        ExpectCommandEnd("head");
        return new HeadCommand(count ?? (predicate is null ? 10 : int.MaxValue), predicate, Span(start))
        {
            KeepLast = IsTrue(Option(options, "keeplast")),
            NullPasses = IsTrue(Option(options, "null")),
        };
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
