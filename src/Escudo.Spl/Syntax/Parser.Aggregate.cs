using Escudo.Core.Text;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Syntax;

/// <summary>stats, eventstats, streamstats, tstats, top and rare: aggregations and their by clauses.</summary>
internal sealed partial class Parser
{
    /// <summary>Parses one aggregation: <c>fn</c>, <c>fn(field)</c>, <c>fn(eval(expr))</c>, then <c>as alias</c>.</summary>
    private Aggregation ParseAggregation()
    {
        var fn = NextW();
        if (fn.Kind != TokenKind.Word)
        {
            throw Error(SplDiagnostics.Unexpected(fn, "an aggregation function"));
        }

        string? field = null;
        Expr? evalArg = null;
        var open = PeekW();
        if (open.Kind == TokenKind.LParen && open.Start == fn.End)
        {
            _pos = open.End;
            var arg = PeekW();
            if (arg.IsWord("eval") && _lx.LexWord(arg.End).Kind == TokenKind.LParen)
            {
                _pos = _lx.LexWord(arg.End).End;
                evalArg = ParseExpr();
                ExpectE(TokenKind.RParen, "`)` closing eval(");
            }
            else
            {
                field = ExpectFieldName("a field name");
            }

            ExpectW(TokenKind.RParen, "`)`");
        }

        string? alias = null;
        if (PeekW().IsWord("as"))
        {
            _pos = PeekW().End;
            alias = ExpectFieldName("a name after `as`");
            if (PeekW() is { Kind: TokenKind.LParen } glued && glued.Start == _pos)
            {
                // Splunk takes `as aceFlags(inheritance)` as one name.
                var close = MatchingParen(glued.Start);
                alias += Text[glued.Start..(close + 1)];
                _pos = close + 1;
            }
        }

        return new Aggregation(fn.Text, field, evalArg, alias, TextSpan.FromBounds(fn.Start, _pos));
    }

    private List<Aggregation> ParseAggregations(params string[] stopWords)
    {
        var aggs = new List<Aggregation>();
        while (true)
        {
            var t = PeekW();
            if (t.Kind == TokenKind.Comma)
            {
                _pos = t.End;
                continue;
            }

            if (t.Kind != TokenKind.Word || stopWords.Contains(t.Text, StringComparer.OrdinalIgnoreCase))
            {
                return aggs;
            }

            if (_lx.LexWord(t.End).Kind == TokenKind.Eq)
            {
                return aggs;
            }

            aggs.Add(ParseAggregation());
        }
    }

    /// <summary>
    /// A field name, or one in single quotes (<c>stats sum(visitors) as 'visitors total'</c>,
    /// <c>perc50('visitors total')</c>, from the Aggregate functions page): a word read whole would
    /// stop at the space.
    /// </summary>
    private string ExpectFieldName(string what)
    {
        var t = PeekW();
        if (t.Kind == TokenKind.Word && t.Text.StartsWith('\'') && Text.IndexOf('\'', t.Start + 1) is var close and > 0 && close > t.Start + 1)
        {
            _pos = close + 1;
            return Text[(t.Start + 1)..close];
        }

        return ExpectName(what);
    }

    /// <summary>
    /// chart with at most one split, over the rows (<c>chart f(x) BY quarter</c>, <c>chart f(x) OVER
    /// host</c>): a table of one row per value, which is stats BY that field. A column split
    /// (<c>OVER x BY y</c>, <c>BY x y</c>) and chart's options (span, bins, limit, useother, ...) are
    /// not implemented and are refused by name.
    /// </summary>
    private Command ParseChart(int start)
    {
        var options = ParseOptions();
        var aggs = ParseAggregations("by", "over");
        if (aggs.Count == 0)
        {
            throw Error(SplDiagnostics.Unexpected(PeekW(), "an aggregation such as `count` after `chart`"));
        }

        options.AddRange(ParseOptions("by", "over"));
        var split = new List<string>();
        var t = PeekW();
        if (t.IsWord("over") || t.IsWord("by"))
        {
            _pos = t.End;
            split = ParseFieldList("by");
            if (split.Count == 0)
            {
                throw Error(SplDiagnostics.Unexpected(PeekW(), $"a field name after `{t.Text}`"));
            }

            if (split.Count > 1 || PeekW().IsWord("by"))
            {
                throw Error(SplDiagnostics.BadArguments("chart", Span(start), "a column split (OVER x BY y, BY x y) is not supported; use stats ... by x y or xyseries"));
            }
        }

        options.AddRange(ParseOptions());
        ExpectCommandEnd("chart");
        if (options.Count > 0)
        {
            throw Error(SplDiagnostics.BadArguments("chart", options[0].Span, $"option `{options[0].Key}` is not supported"));
        }

        return new StatsCommand("stats", aggs, split, options, Span(start));
    }

    private Command ParseStats(string kind, int start)
    {
        var options = ParseOptions();
        var aggs = ParseAggregations("by");
        if (aggs.Count == 0)
        {
            throw Error(SplDiagnostics.Unexpected(PeekW(), $"an aggregation such as `count` after `{kind}`"));
        }

        options.AddRange(ParseOptions("by"));
        var by = new List<string>();
        if (PeekW().IsWord("by"))
        {
            _pos = PeekW().End;
            by = ParseFieldList();
            if (by.Count == 0)
            {
                throw Error(SplDiagnostics.Unexpected(PeekW(), "a field name after `by`"));
            }
        }

        options.AddRange(ParseOptions());
        ExpectCommandEnd(kind);
        return new StatsCommand(kind, aggs, by, options, Span(start));
    }

    private Command ParseTstats(int start)
    {
        var options = ParseOptions();
        var aggs = ParseAggregations("from", "where", "by");
        string? dataModel = null;
        SearchExpr? where = null;
        var by = new List<string>();
        string? span = null;
        while (true)
        {
            var t = PeekW();
            if (t.IsWord("from"))
            {
                _pos = t.End;
                var dm = NextW();
                if (dm.IsWord("datamodel"))
                {
                    ExpectW(TokenKind.Eq, "`=` after `datamodel`");
                    dataModel = ExpectName("a data model name");
                }
                else if (dm.Kind == TokenKind.Word && dm.Text.StartsWith("datamodel:", StringComparison.OrdinalIgnoreCase))
                {
                    dataModel = dm.Text["datamodel:".Length..].Trim('"');
                }
                else
                {
                    throw Error(SplDiagnostics.Unexpected(dm, "`datamodel=<name>`"));
                }

                continue;
            }

            if (t.IsWord("where"))
            {
                _pos = t.End;
                where = ParseSearchExpr(stopAtBy: true);
                continue;
            }

            if (t.IsWord("by"))
            {
                _pos = t.End;
                while (true)
                {
                    by.AddRange(ParseFieldList("span"));
                    var opt = ParseOptions();
                    if (Option(opt, "span") is { } s)
                    {
                        span = s;
                    }

                    if (opt.Count == 0)
                    {
                        break;
                    }
                }

                continue;
            }

            if (t.Kind == TokenKind.Word && _lx.LexWord(t.End).Kind == TokenKind.Eq)
            {
                var more = ParseOptions();
                if (Option(more, "span") is { } s)
                {
                    span = s;
                }

                options.AddRange(more);
                continue;
            }

            break;
        }

        ExpectCommandEnd("tstats");
        if (aggs.Count == 0)
        {
            throw Error(SplDiagnostics.BadArguments("tstats", Span(start), "at least one aggregation such as `count` is required"));
        }

        return new TstatsCommand(options, aggs, dataModel, where, by, span, Span(start));
    }

    private Command ParseTop(int start, bool rare)
    {
        var limit = 10;
        var t = PeekW();
        if (t.Kind == TokenKind.Word && int.TryParse(t.Text, out var n))
        {
            limit = n;
            _pos = t.End;
        }

        var options = ParseOptions();
        var fields = ParseFieldList("by");
        options.AddRange(ParseOptions("by"));
        var by = new List<string>();
        if (PeekW().IsWord("by"))
        {
            _pos = PeekW().End;
            by = ParseFieldList();
        }

        options.AddRange(ParseOptions());
        ExpectCommandEnd(rare ? "rare" : "top");
        if (Option(options, "limit") is { } l && int.TryParse(l, out var lim))
        {
            limit = lim;
        }

        return new TopCommand(
            rare,
            limit == 0 ? int.MaxValue : limit,
            fields,
            by,
            Option(options, "countfield") ?? "count",
            Option(options, "percentfield") ?? "percent",
            Option(options, "showcount") is not { } sc || IsTrue(sc),
            Option(options, "showperc") is not { } sp || IsTrue(sp),
            Span(start));
    }
}
