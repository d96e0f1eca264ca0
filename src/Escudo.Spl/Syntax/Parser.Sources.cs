using System.Globalization;
using Escudo.Core.Text;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Syntax;

/// <summary>Commands that read rows of their own or run other searches: inputlookup, makeresults, join, transaction, map, from, datamodel, foreach.</summary>
internal sealed partial class Parser
{
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

        foreach (var o in options.Where(o => o.Key.ToLowerInvariant() is not ("type" or "max" or "overwrite")))
        {
            // usetime/earlier and the subsearch options change which rows join; ignoring them would
            // answer a different search than the one asked.
            throw Error(SplDiagnostics.BadArguments("join", o.Span, $"option `{o.Key}` is not supported (type, max and overwrite are)"));
        }

        var max = Option(options, "max") is { } m && int.TryParse(m, out var mm) ? mm : 1;
        var overwrite = Option(options, "overwrite") is not { } ow || IsTrue(ow);
        return new JoinCommand(type == "outer" ? "left" : type, max <= 0 ? int.MaxValue : max, fields, sub, Span(start)) { Overwrite = overwrite };
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
        var template = Text[bodyStart..i];
        CheckForeachTemplate(options, template, TextSpan.FromBounds(open.Start, i + 1));
        template = WithDefaultTokens(options, template);
        _pos = i + 1;
        ExpectCommandEnd("foreach");
        return new ForeachCommand(patterns, template, Span(start));
    }

    /// <summary>
    /// The multifield mode's options, each naming the string that stands for a template value in the
    /// template instead of its default token (foreach page: "fieldstr=&lt;string&gt; A customizable string
    /// that replaces the &lt;&lt;FIELD&gt;&gt; template value").
    /// </summary>
    private static readonly Dictionary<string, string> ForeachTokenOptions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fieldstr"] = "<<FIELD>>",
        ["matchstr"] = "<<MATCHSTR>>",
        ["matchseg1"] = "<<MATCHSEG1>>",
        ["matchseg2"] = "<<MATCHSEG2>>",
        ["matchseg3"] = "<<MATCHSEG3>>",
    };

    /// <summary>
    /// A foreach that would do nothing is an error, not an empty answer: the modes and options for
    /// multivalue fields and JSON arrays (mode=multivalue, json_array, auto_collections, itemstr, iterstr,
    /// whose rules Escudo does not follow), template tokens other than the multifield mode's, and a
    /// template that does not parse.
    /// </summary>
    private void CheckForeachTemplate(List<CommandOption> options, string template, TextSpan span)
    {
        foreach (var o in options.Where(o => !(o.Key.Equals("mode", StringComparison.OrdinalIgnoreCase) && o.Value.Equals("multifield", StringComparison.OrdinalIgnoreCase))
            && !(ForeachTokenOptions.ContainsKey(o.Key) && o.Value.Length > 0)))
        {
            throw Error(SplDiagnostics.BadArguments("foreach", o.Span, $"option `{o.Key}={o.Value}` is not supported (mode=multifield with fieldstr, matchstr and matchseg1-3 is)"));
        }

        var token = System.Text.RegularExpressions.Regex.Match(template, "<<(?!FIELD>>|MATCHSTR>>|MATCHSEG[123]>>)[A-Za-z0-9_]*>>");
        if (token.Success)
        {
            throw Error(SplDiagnostics.BadArguments("foreach", span, $"template token `{token.Value}` is not supported (<<FIELD>>, <<MATCHSTR>> and <<MATCHSEG1>> to <<MATCHSEG3>> are)"));
        }

        var sample = WithDefaultTokens(options, template);
        foreach (var defaultToken in ForeachTokenOptions.Values)
        {
            sample = sample.Replace(defaultToken, "foreach_field", StringComparison.Ordinal);
        }

        var parsed = Parse("| " + sample.Trim());
        if (!parsed.Success)
        {
            throw Error(SplDiagnostics.BadArguments("foreach", span, $"the template does not parse: {parsed.Diagnostic.Message}"));
        }
    }

    /// <summary>
    /// The template with each option's string put back as its default token, longest string first so
    /// that one string inside another is not split ("the &lt;&lt;FIELD&gt;&gt; template value in the foreach
    /// subsearch is just a string replacement").
    /// </summary>
    private static string WithDefaultTokens(List<CommandOption> options, string template)
    {
        foreach (var o in options.Where(o => ForeachTokenOptions.ContainsKey(o.Key)).OrderByDescending(o => o.Value.Length))
        {
            template = template.Replace(o.Value, ForeachTokenOptions[o.Key], StringComparison.Ordinal);
        }

        return template;
    }
}
