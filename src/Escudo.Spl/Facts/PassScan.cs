using Escudo.Core.Events;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Facts;

/// <summary>
/// One place a search reads events, as a shared pass needs it: the keys one of which a matching
/// event must have, the literals one of which it must contain, and a predicate. It hides the
/// syntax tree, so callers outside Spl never walk it.
/// </summary>
public sealed class PassScan
{
    private readonly SearchExpr _expr;

    internal PassScan(SearchExpr expr) => _expr = expr;

    /// <summary>A scan that may match any event (a pipeline whose leading search reads all).</summary>
    public static PassScan All { get; } = new(new SearchAll(default));

    /// <summary>A set of keys (<c>field=value</c> of indexed fields) one of which every matching event has, or null when none can be derived.</summary>
    public IReadOnlySet<string>? RequiredKeys() => ScanKeys.Required(_expr);

    /// <summary>"One of these fields contains this text", necessary for a match, or null when the condition gives none.</summary>
    public IReadOnlyList<(string Field, string Literal)>? NecessaryLiterals() => Execution.NecessaryLiterals.Of(_expr);

    /// <summary>The scan's condition as a predicate over events; a subsearch term matches nothing (the pass widens those first).</summary>
    public Func<Row, bool> Predicate(SearchContext ctx) => SearchPredicateCompiler.Compile(_expr, ctx, _ => []);
}
