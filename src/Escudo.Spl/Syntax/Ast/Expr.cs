using Escudo.Core.Text;

namespace Escudo.Spl.Syntax.Ast;

/// <summary>An eval/where expression. Every node knows where it came from in the search text.</summary>
internal abstract record Expr(TextSpan Span);

/// <summary>A string literal (double-quoted in the search, escapes already removed).</summary>
internal sealed record StringLiteral(string Value, TextSpan Span) : Expr(Span);

internal sealed record NumberLiteral(double Value, string Text, TextSpan Span) : Expr(Span);

internal sealed record BooleanLiteral(bool Value, TextSpan Span) : Expr(Span);

/// <summary>A field reference: a bare name, or a single-quoted name such as <c>'Processes.process'</c>.</summary>
internal sealed record FieldRef(string Name, TextSpan Span) : Expr(Span);

internal sealed record Call(string Name, IReadOnlyList<Expr> Args, TextSpan Span) : Expr(Span);

internal sealed record Unary(string Op, Expr Operand, TextSpan Span) : Expr(Span);

internal sealed record Binary(string Op, Expr Left, Expr Right, TextSpan Span) : Expr(Span);
