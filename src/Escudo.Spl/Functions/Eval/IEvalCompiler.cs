using Escudo.Core.Events;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Functions.Eval;

/// <summary>
/// What a special form (if, case, coalesce, mvfilter, searchmatch, ...) needs of the expression
/// compiler to compile its own arguments. The compiler (Planning) implements it and looks the
/// functions up in the catalog, so the catalog depends on this seam and not on the compiler.
/// </summary>
internal interface IEvalCompiler
{
    /// <summary>The search the expression belongs to.</summary>
    SearchContext Context { get; }

    /// <summary>Compiles an expression to a delegate over rows.</summary>
    CompiledExpr Compile(Expr expr);

    /// <summary>Compiles an expression used as a condition: true only for a true value.</summary>
    Func<Row, bool> CompilePredicate(Expr expr);
}
