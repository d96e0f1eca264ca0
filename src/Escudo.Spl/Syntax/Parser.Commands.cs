using Escudo.Core.Text;
using Escudo.Spl.Syntax.Ast;

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

    /// <summary>fieldformat takes one non-wildcarded field and one eval expression (the fieldformat page).</summary>
    private Command ParseFieldFormat(int start)
    {
        var eval = (EvalCommand)ParseEval(start);
        var a = eval.Assignments[0];
        if (eval.Assignments.Count > 1)
        {
            throw Error(SplDiagnostics.BadArguments("fieldformat", eval.Assignments[1].Span, "takes one <field>=<eval-expression>; use one fieldformat command per field"));
        }

        if (a.TargetFromField is not null || a.Field.Contains('*', StringComparison.Ordinal))
        {
            throw Error(SplDiagnostics.BadArguments("fieldformat", a.Span, $"the field must be a plain, non-wildcarded name, not `{a.Field}`"));
        }

        return new FieldFormatCommand(a, eval.Span);
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
