using Escudo.Spl.Execution;

namespace Escudo.Spl.Functions.Eval;

/// <summary>What a function may need besides its arguments: the search's "now" and where to report row-level problems.</summary>
internal sealed class FunctionContext(SearchContext search)
{
    public SearchContext Search { get; } = search;

    public double Now => Search.Now;

    public void Warn(string message) => Search.Warn("SPL2001", message);
}
