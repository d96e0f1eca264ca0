using Escudo.Core.Events;


namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// head: the first N rows, or the rows while an expression holds, with keeplast=, null= and a
/// limit (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/head).
/// </summary>
internal sealed class HeadOperator : Operator
{
    private readonly int _count;
    private readonly CompiledExpr? _while;
    private readonly bool _keepLast;
    private readonly bool _nullPasses;

    /// <summary>head N.</summary>
    public HeadOperator(int count) => _count = count;

    /// <summary>head (expr): rows up to the first for which the expression is false, at most <paramref name="limit"/>.</summary>
    public HeadOperator(CompiledExpr condition, int limit, bool keepLast, bool nullPasses)
    {
        _while = condition;
        _count = limit;
        _keepLast = keepLast;
        _nullPasses = nullPasses;
    }

    public override string Describe() => _while is null ? $"head {_count}" : "head (expr)";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) =>
        _while is null ? input.Take(_count) : HeadWhile.Run(input, _while, _count, _keepLast, _nullPasses);
}
