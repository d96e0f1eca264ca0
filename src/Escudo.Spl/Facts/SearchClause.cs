using Escudo.Core.Events;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Facts;

/// <summary>One clause of a leading search (or tstats where) with its text, for explaining a miss clause by clause.</summary>
public sealed class SearchClause
{
    private readonly SearchExpr _expr;

    internal SearchClause(SearchExpr expr, string searchText)
    {
        _expr = expr;
        var start = Math.Min(expr.Span.Start, searchText.Length);
        Text = searchText.Substring(start, Math.Min(expr.Span.Length, searchText.Length - start));
    }

    /// <summary>The clause as written in the expanded search.</summary>
    public string Text { get; }

    /// <summary>The clause alone as a predicate; throws <see cref="Core.Diagnostics.DiagnosticException"/> for a clause that cannot be tested alone (a subsearch).</summary>
    public Func<Row, bool> Predicate(SearchContext ctx) => SearchPredicateCompiler.Compile(_expr, ctx);
}
