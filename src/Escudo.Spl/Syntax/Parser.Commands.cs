using System.Globalization;
using Escudo.Core.Text;
using Escudo.Spl.Syntax.Ast;
using SortKey = Escudo.Spl.Syntax.Ast.SortKey;

namespace Escudo.Spl.Syntax;

internal sealed partial class Parser
{
    private Command ParseEval(int start)
    {
        var assignments = new List<EvalAssignment>();
        while (true)
        {
            var target = PeekW();
            if (target.Kind is not (TokenKind.Word or TokenKind.String))
            {
                CheckBad(target);
                throw Error(SplDiagnostics.Unexpected(target, "a field name to assign"));
            }

            // Field names may be written 'quoted' in eval.
            var name = target.Value;
            if (target.Kind == TokenKind.Word && name.Length >= 2 && name[0] == '\'' && name[^1] == '\'')
            {
                name = name[1..^1];
            }

            _pos = target.End;
            ExpectW(TokenKind.Eq, "`=` after the field name");
            var value = ParseExpr();
            assignments.Add(new EvalAssignment(name, value, TextSpan.FromBounds(target.Start, value.Span.End)));
            var sep = PeekE();
            if (sep.Kind == TokenKind.Comma)
            {
                _pos = sep.End;
                continue;
            }

            if (!IsCommandEnd(PeekW()))
            {
                throw Error(SplDiagnostics.Unexpected(PeekE(), "an operator, `,` or `|`"));
            }

            break;
        }

        return new EvalCommand(assignments, Span(start));
    }

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
                field = ExpectName("a field name");
            }

            ExpectW(TokenKind.RParen, "`)`");
        }

        string? alias = null;
        if (PeekW().IsWord("as"))
        {
            _pos = PeekW().End;
            alias = ExpectName("a name after `as`");
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

    private Command ParseConvert(int start)
    {
        var options = ParseOptions();
        var functions = new List<ConvertFunction>();
        while (true)
        {
            var t = PeekW();
            if (t.Kind == TokenKind.Comma)
            {
                _pos = t.End;
                continue;
            }

            if (t.Kind != TokenKind.Word)
            {
                break;
            }

            if (_lx.LexWord(t.End).Kind == TokenKind.Eq)
            {
                options.AddRange(ParseOptions());
                continue;
            }

            _pos = t.End;
            ExpectW(TokenKind.LParen, $"`(` after `{t.Text}`");
            var field = ExpectName("a field name");
            ExpectW(TokenKind.RParen, "`)`");
            string? alias = null;
            if (PeekW().IsWord("as"))
            {
                _pos = PeekW().End;
                alias = ExpectName("a name after `as`");
            }

            functions.Add(new ConvertFunction(t.Text.ToLowerInvariant(), field, alias));
        }

        ExpectCommandEnd("convert");
        return new ConvertCommand(Option(options, "timeformat"), functions, Span(start));
    }

    private Command ParseRename(int start)
    {
        var renames = new List<FieldAlias>();
        while (true)
        {
            var t = PeekW();
            if (t.Kind == TokenKind.Comma)
            {
                _pos = t.End;
                continue;
            }

            if (IsCommandEnd(t))
            {
                break;
            }

            var from = ExpectName("a field name to rename");
            var asWord = NextW();
            if (!asWord.IsWord("as"))
            {
                throw Error(SplDiagnostics.Unexpected(asWord, "`as`"));
            }

            var to = ExpectName("the new field name");
            renames.Add(new FieldAlias(from, to, TextSpan.FromBounds(t.Start, _pos)));
        }

        if (renames.Count == 0)
        {
            throw Error(SplDiagnostics.Unexpected(PeekW(), "`<field> as <newname>`"));
        }

        return new RenameCommand(renames, Span(start));
    }

    private Command ParseFields(int start)
    {
        var remove = false;
        var t = PeekW();
        if (t.Kind == TokenKind.Word && (t.Text == "-" || t.Text == "+"))
        {
            remove = t.Text == "-";
            _pos = t.End;
        }
        else if (t.Kind == TokenKind.Word && t.Text.Length > 1 && (t.Text[0] == '-' || t.Text[0] == '+'))
        {
            remove = t.Text[0] == '-';
            _pos = t.Start + 1;
        }

        var fields = ParseFieldList();
        ExpectCommandEnd("fields");
        return new FieldsCommand(remove, fields, Span(start));
    }

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

    private Command ParseLookup(int start)
    {
        var options = ParseOptions();
        var tableStart = PeekW().Start;
        var table = ExpectName("a lookup table name");
        var tableSpan = TextSpan.FromBounds(tableStart, _pos);
        var inputs = ParseAliasList("OUTPUT", "OUTPUTNEW");
        var outputs = new List<FieldAlias>();
        var outputNew = false;
        var t = PeekW();
        if (t.IsWord("OUTPUT") || t.IsWord("OUTPUTNEW"))
        {
            outputNew = t.IsWord("OUTPUTNEW");
            _pos = t.End;
            outputs = ParseAliasList();
        }

        ExpectCommandEnd("lookup");
        if (inputs.Count == 0)
        {
            throw Error(SplDiagnostics.BadArguments("lookup", Span(start), "at least one input field is required"));
        }

        return new LookupCommand(table, inputs, outputs, outputNew, options, Span(start)) { TableSpan = tableSpan };
    }

    private List<FieldAlias> ParseAliasList(params string[] stopWords)
    {
        var list = new List<FieldAlias>();
        while (true)
        {
            var t = PeekW();
            if (t.Kind == TokenKind.Comma)
            {
                _pos = t.End;
                continue;
            }

            if (t.Kind is not (TokenKind.Word or TokenKind.String) || (t.Kind == TokenKind.Word && stopWords.Contains(t.Text, StringComparer.OrdinalIgnoreCase)))
            {
                return list;
            }

            _pos = t.End;
            string? alias = null;
            if (PeekW().IsWord("as"))
            {
                _pos = PeekW().End;
                alias = ExpectName("a name after `as`");
            }

            list.Add(new FieldAlias(t.Value, alias, TextSpan.FromBounds(t.Start, _pos)));
        }
    }

    private Command ParseInputLookup(int start)
    {
        var options = ParseOptions();
        var tableStart = PeekW().Start;
        var table = ExpectName("a lookup table name");
        var tableSpan = TextSpan.FromBounds(tableStart, _pos);
        options.AddRange(ParseOptions());
        SearchExpr? where = null;
        if (PeekW().IsWord("where"))
        {
            _pos = PeekW().End;
            where = ParseSearchExpr(stopAtBy: false);
        }

        ExpectCommandEnd("inputlookup");
        return new InputLookupCommand(table, IsTrue(Option(options, "append")), where, options, Span(start)) { TableSpan = tableSpan };
    }

    private Command ParseRex(int start)
    {
        var options = ParseOptions();
        var pattern = PeekW();
        if (pattern.Kind != TokenKind.String)
        {
            CheckBad(pattern);
            throw Error(SplDiagnostics.Unexpected(pattern, "a quoted regular expression"));
        }

        _pos = pattern.End;
        options.AddRange(ParseOptions());
        ExpectCommandEnd("rex");
        var maxMatch = Option(options, "max_match") is { } m && int.TryParse(m, out var mm) ? mm : 1;
        return new RexCommand(Option(options, "field") ?? "_raw", pattern.Value, maxMatch, string.Equals(Option(options, "mode"), "sed", StringComparison.OrdinalIgnoreCase), Span(start));
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

    private Command ParseBin(int start)
    {
        var options = ParseOptions();
        var field = ExpectName("a field name");
        string? alias = null;
        options.AddRange(ParseOptions());
        if (PeekW().IsWord("as"))
        {
            _pos = PeekW().End;
            alias = ExpectName("a name after `as`");
        }

        options.AddRange(ParseOptions());
        ExpectCommandEnd("bin");
        int? bins = Option(options, "bins") is { } b && int.TryParse(b, out var bb) ? bb : null;
        return new BinCommand(field, alias, Option(options, "span"), bins, Span(start));
    }

    private Command ParseFillNull(int start)
    {
        var options = ParseOptions();
        var fields = ParseFieldList();
        options.AddRange(ParseOptions());
        ExpectCommandEnd("fillnull");
        return new FillNullCommand(Option(options, "value") ?? "0", fields, Span(start));
    }

    private Command ParseMakeResults(int start)
    {
        var options = ParseOptions();
        ExpectCommandEnd("makeresults");
        var count = 1;
        if (options.LastOrDefault(o => o.Key == "count") is { } c)
        {
            // count=<num>: the Search Reference states no maximum, so a large count is bounded by
            // the search's row budget when it runs (SearchBudget), not refused here.
            if (!int.TryParse(c.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out count)
                || count < 1)
            {
                throw Error(SplDiagnostics.BadArguments("makeresults", c.Span, $"count must be a whole number from 1 to {int.MaxValue:N0}, not `{c.Value}`"));
            }
        }

        return new MakeResultsCommand(count, Span(start));
    }

    private Command ParseJoin(int start)
    {
        var options = ParseOptions();
        var fields = ParseFieldList();
        options.AddRange(ParseOptions());
        var sub = ParseBracketedPipeline();
        ExpectCommandEnd("join");
        var type = (Option(options, "type") ?? "inner").ToLowerInvariant();
        if (type is not ("inner" or "left" or "outer"))
        {
            throw Error(SplDiagnostics.BadArguments("join", Span(start), $"type must be inner, left or outer, not `{type}`"));
        }

        var max = Option(options, "max") is { } m && int.TryParse(m, out var mm) ? mm : 1;
        return new JoinCommand(type == "outer" ? "left" : type, max <= 0 ? int.MaxValue : max, fields, sub, Span(start));
    }

    private Command ParseMvExpand(int start)
    {
        var options = ParseOptions();
        var field = ExpectName("a field name");
        options.AddRange(ParseOptions());
        ExpectCommandEnd("mvexpand");
        int? limit = Option(options, "limit") is { } l && int.TryParse(l, out var n) ? n : null;
        return new MvExpandCommand(field, limit, Span(start));
    }

    private Command ParseMakeMv(int start)
    {
        var options = ParseOptions();
        var field = ExpectName("a field name");
        options.AddRange(ParseOptions());
        ExpectCommandEnd("makemv");
        var delim = Option(options, "delim");
        var tokenizer = Option(options, "tokenizer");
        return new MakeMvCommand(field, delim ?? (tokenizer is null ? " " : null), tokenizer, IsTrue(Option(options, "allowempty")), Span(start));
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

    private Command ParseSpath(int start)
    {
        var options = ParseOptions();
        string? path = Option(options, "path");
        var t = PeekW();
        if (t.Kind is TokenKind.Word or TokenKind.String && !IsCommandEnd(t) && _lx.LexWord(t.End).Kind != TokenKind.Eq)
        {
            _pos = t.End;
            path = t.Value;
        }

        options.AddRange(ParseOptions());
        ExpectCommandEnd("spath");
        return new SpathCommand(Option(options, "input") ?? "_raw", Option(options, "output"), path ?? Option(options, "path"), Span(start));
    }

    private Command ParseXmlKv(int start)
    {
        var options = ParseOptions();
        var fields = ParseFieldList();
        ExpectCommandEnd("xmlkv");
        return new XmlKvCommand(fields.Count > 0 ? fields[0] : Option(options, "field") ?? "_raw", Span(start));
    }

    private Command ParseTransaction(int start)
    {
        var options = ParseOptions();
        var fields = ParseFieldList();
        options.AddRange(ParseOptions());
        ExpectCommandEnd("transaction");
        return new TransactionCommand(
            fields,
            Option(options, "maxspan") is { } ms ? Escudo.Core.Time.Durations.Parse(ms) : null,
            Option(options, "maxpause") is { } mp ? Escudo.Core.Time.Durations.Parse(mp) : null,
            Option(options, "maxevents") is { } me && int.TryParse(me, out var n) ? n : null,
            Option(options, "startswith"),
            Option(options, "endswith"),
            IsTrue(Option(options, "keepevicted")),
            Span(start))
        { MvList = IsTrue(Option(options, "mvlist")) };
    }

    private Command ParseMap(int start)
    {
        var options = ParseOptions();
        var t = PeekW();
        string? search = Option(options, "search");
        if (t.Kind == TokenKind.String)
        {
            _pos = t.End;
            search = t.Value;
        }
        else if (t.Kind == TokenKind.LBracket)
        {
            var open = t.End;
            ParseBracketedPipeline();
            search = Text[open..(_pos - 1)];
        }

        options.AddRange(ParseOptions());
        ExpectCommandEnd("map");
        if (search is null)
        {
            throw Error(SplDiagnostics.BadArguments("map", Span(start), "a search is required (search=\"...\" or [ ... ])"));
        }

        var max = Option(options, "maxsearches") is { } m && int.TryParse(m, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mm) ? mm : 10;
        return new MapCommand(search, max, Span(start));
    }

    private Command ParseAddTotals(int start)
    {
        var options = ParseOptions();
        var fields = ParseFieldList();
        options.AddRange(ParseOptions());
        ExpectCommandEnd("addtotals");
        return new AddTotalsCommand(fields, Option(options, "row") is not { } r || IsTrue(r), IsTrue(Option(options, "col")), Option(options, "fieldname") ?? "Total", Span(start))
        {
            LabelField = Option(options, "labelfield"),
            Label = Option(options, "label") ?? "Total",
        };
    }

    private Command ParseReplace(int start)
    {
        var pairs = new List<(string, string)>();
        while (true)
        {
            var t = PeekW();
            if (t.Kind == TokenKind.Comma)
            {
                _pos = t.End;
                continue;
            }

            if (t.Kind is not (TokenKind.Word or TokenKind.String) || t.IsWord("in"))
            {
                break;
            }

            _pos = t.End;
            var with = NextW();
            if (!with.IsWord("with"))
            {
                throw Error(SplDiagnostics.Unexpected(with, "`with`"));
            }

            var to = ExpectName("a replacement value");
            pairs.Add((t.Value, to));
        }

        var fields = new List<string>();
        if (PeekW().IsWord("in"))
        {
            _pos = PeekW().End;
            fields = ParseFieldList();
        }

        ExpectCommandEnd("replace");
        return new ReplaceCommand(pairs, fields, Span(start));
    }

    private Command ParseFrom(int start)
    {
        var t = NextW();
        string name;
        if (t.IsWord("datamodel"))
        {
            var next = PeekW();
            if (next.Kind == TokenKind.Eq)
            {
                _pos = next.End;
            }

            name = ExpectName("a data model name");
        }
        else if (t.Kind == TokenKind.Word && t.Text.StartsWith("datamodel:", StringComparison.OrdinalIgnoreCase))
        {
            name = t.Text["datamodel:".Length..].Trim('"');
            if (name.Length == 0)
            {
                name = ExpectName("a data model name");
            }
        }
        else
        {
            throw Error(SplDiagnostics.UnsupportedCommand(t, "`from` is supported only with `datamodel:`"));
        }

        ExpectCommandEnd("from");
        return new FromDataModelCommand(name, Span(start));
    }

    private Command ParseDataModel(int start)
    {
        var model = ExpectName("a data model name");
        var dataset = PeekW();
        var name = model;
        if (dataset.Kind == TokenKind.Word && !dataset.IsWord("search") && !IsCommandEnd(dataset))
        {
            _pos = dataset.End;
            name = model + "." + dataset.Text;
        }

        var mode = PeekW();
        if (mode.IsWord("search") || mode.IsWord("flat"))
        {
            _pos = mode.End;
        }

        ExpectCommandEnd("datamodel");
        return new FromDataModelCommand(name, Span(start));
    }

    private Command ParseForeach(int start)
    {
        var options = ParseOptions();
        var patterns = ParseFieldList();
        options.AddRange(ParseOptions());
        var open = PeekW();
        if (open.Kind != TokenKind.LBracket)
        {
            throw Error(SplDiagnostics.Unexpected(open, "`[` starting the foreach template"));
        }

        var bodyStart = open.End;
        var depth = 0;
        var deepest = 0;
        var i = open.Start;
        var inQuote = false;
        for (; i < Text.Length; i++)
        {
            var c = Text[i];
            if (c == '"' && (i == 0 || Text[i - 1] != '\\'))
            {
                inQuote = !inQuote;
            }

            if (inQuote)
            {
                continue;
            }

            if (c == '[')
            {
                deepest = Math.Max(deepest, ++depth);
            }
            else if (c == ']' && --depth == 0)
            {
                break;
            }
        }

        if (i >= Text.Length)
        {
            throw Error(SplDiagnostics.Unexpected(new Token(TokenKind.End, Text.Length, Text.Length, string.Empty, string.Empty), "`]` closing the foreach template"));
        }

        // The template is parsed again for each field it runs on, one level deeper each time.
        CheckTemplateNesting(open, deepest);
        _pos = i + 1;
        ExpectCommandEnd("foreach");
        return new ForeachCommand(patterns, Text[bodyStart..i], Span(start));
    }

    private Command ParseTimechart(int start)
    {
        var options = ParseOptions();
        var aggs = ParseAggregations("by");
        if (aggs.Count == 0)
        {
            throw Error(SplDiagnostics.Unexpected(PeekW(), "an aggregation such as `count` after `timechart`"));
        }

        options.AddRange(ParseOptions("by"));
        string? by = null;
        if (PeekW().IsWord("by"))
        {
            _pos = PeekW().End;
            by = ExpectName("a field name after `by`");
        }

        options.AddRange(ParseOptions());
        ExpectCommandEnd("timechart");
        var limit = Option(options, "limit") is { } l && int.TryParse(l, out var n) ? n : 10;
        return new TimechartCommand(aggs, by, Option(options, "span"), limit, Span(start));
    }
}
