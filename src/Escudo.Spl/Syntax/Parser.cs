using Escudo.Core.Diagnostics;
using Escudo.Core.Text;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Syntax;

/// <summary>
/// Hand-written recursive-descent parser for SPL: one method per command, chosen by keyword,
/// a search-language parser for <c>search</c>/<c>tstats where</c>, and a precedence-climbing
/// parser for eval expressions. Syntax errors stop the parse with one precise diagnostic.
/// </summary>
internal sealed partial class Parser
{
    private readonly Lexer _lx;
    private int _pos;

    private Parser(string text)
    {
        _lx = new Lexer(text);
    }

    public string Text => _lx.Text;

    public static ParseResult<Pipeline> Parse(string text)
    {
        var p = new Parser(text);
        try
        {
            var pipeline = p.ParsePipeline(inSubsearch: false);
            var end = p.PeekW();
            if (end.Kind != TokenKind.End)
            {
                throw p.Error(SplDiagnostics.Unexpected(end, "`|` or end of search"));
            }

            return ParseResult<Pipeline>.Ok(pipeline);
        }
        catch (DiagnosticException e)
        {
            return ParseResult<Pipeline>.Fail(e.Diagnostic);
        }
    }

    /// <summary>Parses a lone eval expression (used by tests and by commands that carry expressions as text).</summary>
    public static ParseResult<Expr> ParseExpression(string text)
    {
        var p = new Parser(text);
        try
        {
            var e = p.ParseExpr();
            var end = p.PeekE();
            if (end.Kind != TokenKind.End)
            {
                throw p.Error(SplDiagnostics.Unexpected(end, "an operator or end of expression"));
            }

            return ParseResult<Expr>.Ok(e);
        }
        catch (DiagnosticException e)
        {
            return ParseResult<Expr>.Fail(e.Diagnostic);
        }
    }

    private DiagnosticException Error(Diagnostic d) => new(d);

    private Token PeekW() => _lx.LexWord(_pos);

    private Token PeekW2()
    {
        var first = _lx.LexWord(_pos);
        return _lx.LexWord(first.End);
    }

    private Token NextW()
    {
        var t = _lx.LexWord(_pos);
        CheckBad(t);
        _pos = t.End;
        return t;
    }

    private Token PeekE() => _lx.LexExpr(_pos);

    private Token NextE()
    {
        var t = _lx.LexExpr(_pos);
        CheckBad(t);
        _pos = t.End;
        return t;
    }

    private void CheckBad(Token t)
    {
        if (t.Kind == TokenKind.Bad)
        {
            if (t.Value == "unterminated string")
            {
                throw Error(SplDiagnostics.UnterminatedString(t));
            }

            throw Error(SplDiagnostics.Unexpected(t, "a value"));
        }
    }

    private Token ExpectW(TokenKind kind, string expected)
    {
        var t = PeekW();
        if (t.Kind != kind)
        {
            CheckBad(t);
            throw Error(SplDiagnostics.Unexpected(t, expected));
        }

        _pos = t.End;
        return t;
    }

    private Token ExpectE(TokenKind kind, string expected)
    {
        var t = PeekE();
        if (t.Kind != kind)
        {
            CheckBad(t);
            throw Error(SplDiagnostics.Unexpected(t, expected));
        }

        _pos = t.End;
        return t;
    }

    private static bool IsCommandEnd(Token t) => t.Kind is TokenKind.End or TokenKind.Pipe or TokenKind.RBracket;

    private Pipeline ParsePipeline(bool inSubsearch)
    {
        var start = _lx.SkipSpace(_pos);
        var commands = new List<Command>();
        var first = PeekW();
        if (first.Kind != TokenKind.Pipe)
        {
            if (StartsWithCommand(first, inSubsearch))
            {
                // `search kind=x` or, in brackets, `[stats count]`, `[search ...]`: the word is the command.
                commands.Add(ParseCommand());
            }
            else
            {
                // A search that does not start with a pipe starts with an implicit `search`.
                commands.Add(ParseSearchCommand(first.Start));
            }
        }

        while (true)
        {
            var t = PeekW();
            if (t.Kind == TokenKind.Pipe)
            {
                _pos = t.End;
                commands.Add(ParseCommand());
                continue;
            }

            if (t.Kind == TokenKind.End || (inSubsearch && t.Kind == TokenKind.RBracket))
            {
                break;
            }

            CheckBad(t);
            throw Error(SplDiagnostics.Unexpected(t, "`|` or end of search"));
        }

        return new Pipeline(commands, TextSpan.FromBounds(start, _pos));
    }

    /// <summary>Commands that may open a subsearch or an appendpipe/foreach sub-pipeline without a pipe.</summary>
    private static readonly HashSet<string> LeadingCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        "search", "stats", "eventstats", "streamstats", "eval", "where", "table", "fields", "rename", "head", "tail",
        "sort", "dedup", "top", "rare", "fillnull", "lookup", "rex", "regex", "convert", "bin", "bucket", "mvexpand",
        "makemv", "spath", "addtotals", "replace", "transaction", "reverse", "uniq", "inputlookup", "makeresults", "tstats",
    };

    /// <summary>
    /// Whether the first word of a pipeline is a command rather than a search term: `search` always
    /// (unless it is a field being compared, as in `search=x`), and in brackets any command name.
    /// </summary>
    private bool StartsWithCommand(Token first, bool inSubsearch)
    {
        if (first.Kind != TokenKind.Word || !(first.Text.Equals("search", StringComparison.OrdinalIgnoreCase) || (inSubsearch && LeadingCommands.Contains(first.Text))))
        {
            return false;
        }

        var next = _lx.LexWord(first.End);
        return next.Start > first.End || next.Kind is TokenKind.End or TokenKind.Pipe or TokenKind.RBracket;
    }

    private Pipeline ParseBracketedPipeline()
    {
        var open = ExpectW(TokenKind.LBracket, "`[`");
        EnterSubsearch(open);
        var p = ParsePipeline(inSubsearch: true);
        ExpectW(TokenKind.RBracket, "`]` closing the subsearch");
        LeaveSubsearch();
        return p;
    }

    private Command ParseCommand()
    {
        var name = PeekW();
        if (name.Kind != TokenKind.Word)
        {
            CheckBad(name);
            throw Error(SplDiagnostics.Unexpected(name, "a command name"));
        }

        _pos = name.End;
        var start = name.Start;
        switch (name.Text.ToLowerInvariant())
        {
            case "search": return ParseSearchCommand(start);
            case "where": return new WhereCommand(ParseExpr(), Span(start));
            case "eval": return ParseEval(start);
            case "fieldformat": return ParseFieldFormat(start);
            case "stats":
            case "eventstats":
            case "streamstats":
                return ParseStats(name.Text.ToLowerInvariant(), start);
            case "tstats": return ParseTstats(start);
            case "chart": return ParseChart(start);
            case "convert": return ParseConvert(start);
            case "rename": return ParseRename(start);
            case "table": return new TableCommand(ParseFieldList(), Span(start));
            case "fields": return ParseFields(start);
            case "head": return ParseHead(start);
            case "tail": return new TailCommand(ParseOptionalCount("tail", 10), Span(start));
            case "sort": return ParseSort(start);
            case "dedup": return ParseDedup(start);
            case "lookup": return ParseLookup(start);
            case "inputlookup": return ParseInputLookup(start);
            case "rex": return ParseRex(start);
            case "regex": return ParseRegex(start);
            case "bin":
            case "bucket":
                return ParseBin(start);
            case "fillnull": return ParseFillNull(start);
            case "makeresults": return ParseMakeResults(start);
            case "join": return ParseJoin(start);
            case "append": return new AppendCommand(SkipOptionsThen(ParseBracketedPipeline), Span(start));
            case "appendpipe": return new AppendPipeCommand(SkipOptionsThen(ParseBracketedPipeline), Span(start));
            case "mvexpand": return ParseMvExpand(start);
            case "makemv": return ParseMakeMv(start);
            case "top": return ParseTop(start, rare: false);
            case "rare": return ParseTop(start, rare: true);
            case "reverse": return new ReverseCommand(Span(start));
            case "uniq": return new UniqCommand(Span(start));
            case "spath": return ParseSpath(start);
            case "xmlkv": return ParseXmlKv(start);
            case "transaction": return ParseTransaction(start);
            case "map": return ParseMap(start);
            case "addtotals": return ParseAddTotals(start);
            case "replace": return ParseReplace(start);
            case "from": return ParseFrom(start);
            case "datamodel": return ParseDataModel(start);
            case "foreach": return ParseForeach(start);
            case "timechart": return ParseTimechart(start);
            case "accum": return ParseAccum(start);
            case "delta": return ParseDelta(start);
            case "autoregress": return ParseAutoregress(start);
            case "nomv": return ParseNomv(start);
            case "untable": return ParseUntable(start);
            case "xyseries": return ParseXySeries(start);
            case "makecontinuous": return ParseMakeContinuous(start);
            case "apply":
            case "fit":
            case "anomalydetection":
            case "outlier":
                throw Error(SplDiagnostics.UnsupportedCommand(name, "machine-learning commands need the Splunk Machine Learning Toolkit and its trained models"));
            case "mstats":
                throw Error(SplDiagnostics.UnsupportedCommand(name, "metrics indexes are not supported"));
            case "iplocation":
                throw Error(SplDiagnostics.UnsupportedCommand(name, "no GeoIP database is bundled"));
            case "cyberchef":
                throw Error(SplDiagnostics.UnsupportedCommand(name, "it is a third-party app command"));
            case "outputlookup":
            case "collect":
            case "sendalert":
                throw Error(SplDiagnostics.UnsupportedCommand(name, "writing to lookups or indexes is not supported in searches"));
            default:
                throw Error(SplDiagnostics.UnknownCommand(name));
        }
    }

    private TextSpan Span(int start) => TextSpan.FromBounds(start, _pos);

    private T SkipOptionsThen<T>(Func<T> next)
    {
        ParseOptions();
        return next();
    }

    /// <summary>Reads <c>key=value</c> pairs while they come.</summary>
    private List<CommandOption> ParseOptions(params string[] stopKeys)
    {
        var options = new List<CommandOption>();
        while (true)
        {
            var key = PeekW();
            if (key.Kind != TokenKind.Word || stopKeys.Contains(key.Text, StringComparer.OrdinalIgnoreCase))
            {
                return options;
            }

            var eq = _lx.LexWord(key.End);
            if (eq.Kind != TokenKind.Eq)
            {
                return options;
            }

            _pos = eq.End;
            if (GluedValueKeys.Contains(key.Text))
            {
                var valueStart = PeekW().Start;
                var glued = ReadGluedValue(valueStart);
                options.Add(new CommandOption(key.Text.ToLowerInvariant(), glued, TextSpan.FromBounds(key.Start, _pos)));
                continue;
            }

            if (PeekW().Kind == TokenKind.LParen)
            {
                // A parenthesised value, such as transaction's startswith=(EventCode=4698), is kept as text.
                var open = PeekW();
                var close = MatchingParen(open.Start);
                _pos = close + 1;
                options.Add(new CommandOption(key.Text.ToLowerInvariant(), Text[open.Start.._pos], TextSpan.FromBounds(key.Start, _pos)));
                continue;
            }

            var word = PeekW();
            if (word.Kind == TokenKind.Word && word.Text.Equals("eval", StringComparison.OrdinalIgnoreCase)
                && _lx.LexWord(word.End) is { Kind: TokenKind.LParen } evalOpen && evalOpen.Start == word.End)
            {
                // transaction's startswith=eval(<eval-expression>): the call is kept as text, as a parenthesised value is.
                _pos = MatchingParen(evalOpen.Start) + 1;
                options.Add(new CommandOption(key.Text.ToLowerInvariant(), Text[word.Start.._pos], TextSpan.FromBounds(key.Start, _pos)));
                continue;
            }

            var value = NextW();
            if (value.Kind is not (TokenKind.Word or TokenKind.String))
            {
                throw Error(SplDiagnostics.Unexpected(value, $"a value for `{key.Text}`"));
            }

            options.Add(new CommandOption(key.Text.ToLowerInvariant(), value.Value, TextSpan.FromBounds(key.Start, value.End)));
        }
    }

    /// <summary>Options whose value is an eval expression written as one argument, such as <c>reset_after="("count>=3")"</c>.</summary>
    private static readonly HashSet<string> GluedValueKeys = new(StringComparer.OrdinalIgnoreCase) { "reset_before", "reset_after" };

    /// <summary>
    /// One argument as Splunk's argument splitter reads it: quoted and bare pieces that touch (no
    /// space between them) form one value, quotes removed and <c>\"</c> read as a quote, so
    /// <c>"("action=\"REBOOT\"")"</c> is <c>(action="REBOOT")</c>. It ends at a space or a pipe outside quotes.
    /// </summary>
    private string ReadGluedValue(int start)
    {
        var sb = new System.Text.StringBuilder();
        var inQuote = false;
        var i = start;
        for (; i < Text.Length; i++)
        {
            var c = Text[i];
            if (c == '\\' && i + 1 < Text.Length && (Text[i + 1] == '"' || Text[i + 1] == '\\'))
            {
                sb.Append(Text[i + 1]);
                i++;
                continue;
            }

            if (c == '"')
            {
                inQuote = !inQuote;
                continue;
            }

            if (!inQuote && (char.IsWhiteSpace(c) || c == '|' || c == ']'))
            {
                break;
            }

            sb.Append(c);
        }

        if (inQuote)
        {
            throw Error(SplDiagnostics.Unexpected(new Token(TokenKind.End, Text.Length, Text.Length, string.Empty, string.Empty), "`\"` closing the quoted value"));
        }

        if (sb.Length == 0)
        {
            throw Error(SplDiagnostics.Unexpected(PeekW(), "an eval expression"));
        }

        _pos = i;
        return sb.ToString();
    }

    /// <summary>The offset of the parenthesis that closes the one at <paramref name="open"/>, skipping quoted text.</summary>
    private int MatchingParen(int open)
    {
        var depth = 0;
        var inQuote = false;
        for (var i = open; i < Text.Length; i++)
        {
            var c = Text[i];
            if (c == '\\' && inQuote && i + 1 < Text.Length)
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
            else if (!inQuote && c == ')' && --depth == 0)
            {
                return i;
            }
        }

        throw Error(SplDiagnostics.Unexpected(new Token(TokenKind.End, Text.Length, Text.Length, string.Empty, string.Empty), "`)`"));
    }

    private static string? Option(IReadOnlyList<CommandOption> options, string key) =>
        options.LastOrDefault(o => o.Key.Equals(key, StringComparison.OrdinalIgnoreCase))?.Value;

    private static bool IsTrue(string? v) => v is not null && (v.Equals("t", StringComparison.OrdinalIgnoreCase) || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1");

    /// <summary>
    /// head/tail's <c>N</c> or <c>limit=N</c>: a whole number of results, 0 or more, as the syntax
    /// <c>&lt;int&gt;</c> says (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/head).
    /// A negative or oversized count is an error rather than "no results" or "all".
    /// </summary>
    private int ParseOptionalCount(string command, int defaultCount)
    {
        var t = PeekW();
        if (t.Kind == TokenKind.Word && LooksLikeInteger(t.Text))
        {
            _pos = t.End;
            return ResultCount(command, t.Text, t.Span);
        }

        var opts = ParseOptions();
        return opts.LastOrDefault(o => o.Key == "limit") is { } l ? ResultCount(command, l.Value, l.Span) : defaultCount;
    }

    private static bool LooksLikeInteger(string text) =>
        text.Length > 0 && (char.IsAsciiDigit(text[0]) || (text.Length > 1 && text[0] is '-' or '+' && char.IsAsciiDigit(text[1])));

    private int ResultCount(string command, string text, TextSpan span)
    {
        if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            throw Error(SplDiagnostics.BadArguments(command, span, $"the number of results must be a whole number from 0 to {int.MaxValue:N0}, not `{text}`"));
        }

        return n;
    }

    /// <summary>A list of field names separated by spaces and/or commas, up to the end of the command or a stop word.</summary>
    private List<string> ParseFieldList(params string[] stopWords)
    {
        var fields = new List<string>();
        while (true)
        {
            var t = PeekW();
            if (t.Kind == TokenKind.Comma)
            {
                _pos = t.End;
                continue;
            }

            if (t.Kind is TokenKind.Word or TokenKind.String)
            {
                if (t.Kind == TokenKind.Word && stopWords.Contains(t.Text, StringComparer.OrdinalIgnoreCase))
                {
                    return fields;
                }

                // A key=value option in the middle of a field list ends the list.
                if (t.Kind == TokenKind.Word && _lx.LexWord(t.End).Kind == TokenKind.Eq)
                {
                    return fields;
                }

                _pos = t.End;
                fields.Add(t.Value);
                continue;
            }

            return fields;
        }
    }

    private string ExpectName(string what)
    {
        var t = PeekW();
        if (t.Kind is TokenKind.Word or TokenKind.String)
        {
            _pos = t.End;
            return t.Value;
        }

        CheckBad(t);
        throw Error(SplDiagnostics.Unexpected(t, what));
    }

    private void ExpectCommandEnd(string command)
    {
        var t = PeekW();
        if (!IsCommandEnd(t))
        {
            CheckBad(t);
            throw Error(SplDiagnostics.Unexpected(t, $"`|` or end of the `{command}` command"));
        }
    }
}
