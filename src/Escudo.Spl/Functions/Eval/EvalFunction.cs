using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Functions.Eval;

/// <summary>
/// An eval function: its name, how many arguments it takes, and how to compile a call. Most
/// functions are plain (arguments evaluated first, then <see cref="Scalar"/>); special forms such
/// as if, case, coalesce, mvfilter and mvmap compile their arguments themselves.
/// </summary>
internal sealed class EvalFunction
{
    public required string Name { get; init; }

    public int MinArgs { get; init; }

    public int MaxArgs { get; init; } = int.MaxValue;

    /// <summary>For plain functions: computes the result from evaluated arguments.</summary>
    public Func<Core.Values.Value[], FunctionContext, Core.Values.Value>? Scalar { get; init; }

    /// <summary>For special forms: builds the compiled call from the argument syntax.</summary>
    public Func<IReadOnlyList<Expr>, IEvalCompiler, CompiledExpr>? Special { get; init; }

    public string ArityText => MaxArgs == int.MaxValue ? $"at least {MinArgs}" : MinArgs == MaxArgs ? MinArgs.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{MinArgs} to {MaxArgs}";
}
