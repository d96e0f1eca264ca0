using Escudo.Core.Text;

namespace Escudo.Spl.Syntax.Ast;

/// <summary>The search language (the search command and tstats where): terms, field comparisons, boolean logic.</summary>
public abstract record SearchExpr(TextSpan Span);

internal sealed record SearchAnd(IReadOnlyList<SearchExpr> Terms, TextSpan Span) : SearchExpr(Span);

internal sealed record SearchOr(IReadOnlyList<SearchExpr> Terms, TextSpan Span) : SearchExpr(Span);

internal sealed record SearchNot(SearchExpr Operand, TextSpan Span) : SearchExpr(Span);

/// <summary><c>field op value</c>; <paramref name="Value"/> has escapes removed and may hold <c>*</c> wildcards.</summary>
internal sealed record SearchCompare(string Field, string Op, string Value, bool Quoted, TextSpan Span) : SearchExpr(Span);

/// <summary><c>field IN (v1, v2, ...)</c>.</summary>
internal sealed record SearchIn(string Field, IReadOnlyList<string> Values, TextSpan Span) : SearchExpr(Span);

/// <summary>A free-text keyword or quoted phrase, matched against <c>_raw</c>.</summary>
internal sealed record SearchTerm(string Text, bool Quoted, TextSpan Span) : SearchExpr(Span);

/// <summary>Matches every event (<c>*</c>, or an empty search).</summary>
internal sealed record SearchAll(TextSpan Span) : SearchExpr(Span);

/// <summary>A subsearch used as a search term: its results become an OR of ANDed field=value pairs.</summary>
internal sealed record SearchSubsearch(Pipeline Pipeline, TextSpan Span) : SearchExpr(Span);
