using Escudo.Core.Text;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Syntax;

/// <summary>
/// Depth limits. The parser, the compilers, the planners and every other walker over the syntax
/// tree recurse once per level of the tree, and a stack overflow cannot be caught in .NET: it ends
/// the process, and with it a whole <c>check</c>, <c>hunt</c> or <c>serve</c>. So the parser
/// refuses trees deeper than these limits with a positioned diagnostic, and everything after it
/// may recurse safely. The limits are far above what real detections use (ESCU nests a few
/// levels and chains a few dozen operators) and far below what a 1 MB stack can hold.
/// </summary>
internal sealed partial class Parser
{
    /// <summary>Levels of parentheses, NOT, signs, function calls, IN lists and subsearches inside one another.</summary>
    public const int MaxNesting = 100;

    /// <summary>Height of an eval/where expression tree: a chain <c>1+1+...</c> of N terms is N-1 high.</summary>
    public const int MaxExpressionDepth = 1000;

    /// <summary>Subsearches, append/join/appendpipe sub-pipelines and foreach templates inside one another.</summary>
    public const int MaxSubsearchNesting = 20;

    private readonly Dictionary<Expr, int> _depths = new(ReferenceEqualityComparer.Instance);
    private int _nesting;
    private int _subsearchNesting;

    /// <summary>Called before parsing one more nested level that starts at <paramref name="at"/>.</summary>
    private void EnterNesting(Token at)
    {
        if (++_nesting > MaxNesting)
        {
            throw Error(SplDiagnostics.NestingTooDeep(SpanOf(at), MaxNesting));
        }
    }

    private void LeaveNesting() => _nesting--;

    private void EnterSubsearch(Token at)
    {
        if (++_subsearchNesting > MaxSubsearchNesting)
        {
            throw Error(SplDiagnostics.SubsearchTooDeep(SpanOf(at), MaxSubsearchNesting));
        }

        EnterNesting(at);
    }

    private void LeaveSubsearch()
    {
        _subsearchNesting--;
        LeaveNesting();
    }

    /// <summary>A foreach template holds its sub-pipelines as text; its bracket depth counts as subsearch nesting.</summary>
    private void CheckTemplateNesting(Token open, int templateDepth)
    {
        if (_subsearchNesting + templateDepth > MaxSubsearchNesting)
        {
            throw Error(SplDiagnostics.SubsearchTooDeep(SpanOf(open), MaxSubsearchNesting));
        }
    }

    private int DepthOf(Expr e) => _depths.TryGetValue(e, out var d) ? d : 1;

    /// <summary>Records the height of a new node over one operand, refusing trees beyond <see cref="MaxExpressionDepth"/>.</summary>
    private T Deeper<T>(T node, Token at, Expr child)
        where T : Expr => Track(node, at, DepthOf(child) + 1);

    private T Deeper<T>(T node, Token at, Expr left, Expr right)
        where T : Expr => Track(node, at, Math.Max(DepthOf(left), DepthOf(right)) + 1);

    private T Deeper<T>(T node, Token at, IReadOnlyList<Expr> children)
        where T : Expr
    {
        var max = 0;
        foreach (var c in children)
        {
            max = Math.Max(max, DepthOf(c));
        }

        return Track(node, at, max + 1);
    }

    private T Track<T>(T node, Token at, int depth)
        where T : Expr
    {
        if (depth > MaxExpressionDepth)
        {
            throw Error(SplDiagnostics.ExpressionTooDeep(SpanOf(at), MaxExpressionDepth));
        }

        _depths[node] = depth;
        return node;
    }

    private static TextSpan SpanOf(Token t) => t.Span.Length == 0 ? new TextSpan(t.Start, 1) : t.Span;
}
