using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning;

/// <summary>The binding of commands whose arguments hold expressions or aggregations: what their operators are given compiled.</summary>
internal sealed partial class Planner
{
    private TimechartOperator PlanTimechart(TimechartCommand t)
    {
        var span = t.SpanText is null ? 3600 : Durations.Parse(t.SpanText) ?? throw new DiagnosticException(SplDiagnostics.BadArguments("timechart", t.Span, $"bad span `{t.SpanText}`"));
        return new TimechartOperator(t, span, PlanAggregations(t.Aggregations, "timechart"), Context.Budget);
    }

    private TransactionOperator PlanTransaction(TransactionCommand t)
    {
        Func<Row, bool>? starts = t.StartsWith is null ? null : CompileTransactionCondition(t.StartsWith, t.Span);
        Func<Row, bool>? ends = t.EndsWith is null ? null : CompileTransactionCondition(t.EndsWith, t.Span);
        return new TransactionOperator(t, starts, ends, Context);
    }

    /// <summary>A startswith/endswith condition; its own text is parsed apart, so its problems point at the command.</summary>
    private Func<Row, bool> CompileTransactionCondition(string text, Core.Text.TextSpan commandSpan)
    {
        try
        {
            return CompileTransactionCondition(text);
        }
        catch (DiagnosticException e)
        {
            throw new DiagnosticException(e.Diagnostic with { Span = commandSpan, Message = "transaction condition: " + e.Diagnostic.Message });
        }
    }

    private Func<Row, bool> CompileTransactionCondition(string text)
    {
        var s = text.Trim();
        if (s.StartsWith('(') && s.EndsWith(')'))
        {
            s = s[1..^1].Trim();
        }

        if (s.StartsWith("eval(", StringComparison.OrdinalIgnoreCase) && s.EndsWith(')'))
        {
            var expr = Parser.ParseExpression(s[5..^1]);
            if (!expr.Success)
            {
                throw new DiagnosticException(expr.Diagnostic);
            }

            return Compiler.CompilePredicate(expr.Value);
        }

        var parsed = Parser.Parse(s);
        if (!parsed.Success)
        {
            throw new DiagnosticException(parsed.Diagnostic);
        }

        return parsed.Value.Commands[0] is SearchCommand sc ? SearchPredicateCompiler.Compile(sc.Expr, Context) : _ => false;
    }
}
