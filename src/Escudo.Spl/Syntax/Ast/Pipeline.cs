using Escudo.Core.Text;

namespace Escudo.Spl.Syntax.Ast;

/// <summary>A whole search: commands joined by pipes.</summary>
public sealed record Pipeline(IReadOnlyList<Command> Commands, TextSpan Span);

/// <summary>One command of a pipeline; the subclasses are the commands Escudo knows.</summary>
public abstract record Command(string Name, TextSpan Span);

/// <summary>A <c>key=value</c> option of a command, kept as text and interpreted by the command.</summary>
internal sealed record CommandOption(string Key, string Value, TextSpan Span);

/// <summary>A field name with an optional <c>AS</c> alias.</summary>
internal sealed record FieldAlias(string Field, string? Alias, TextSpan Span);

/// <summary>An aggregation call in stats/tstats/eventstats: <c>count</c>, <c>min(_time) as firstTime</c>, <c>count(eval(x&gt;1))</c>.</summary>
internal sealed record Aggregation(string Function, string? Field, Expr? EvalArg, string? Alias, TextSpan Span)
{
    /// <summary>The output column name: the alias, else <c>fn(field)</c> or just <c>count</c>.</summary>
    public string OutputName => Alias ?? (Field is null && EvalArg is null ? Function : $"{Function}({Field ?? "eval"})");
}
