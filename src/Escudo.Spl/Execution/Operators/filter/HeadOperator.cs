using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>head: the first N rows, or the rows while a condition holds.</summary>
internal sealed class HeadOperator : Operator
{
    private readonly int _count;
    private readonly Func<Row, bool>? _while;

    /// <summary>head N.</summary>
    public HeadOperator(int count) => _count = count;

    /// <summary>head (expr): rows up to the first for which the condition is false.</summary>
    public HeadOperator(Func<Row, bool> condition) => _while = condition;

    public override string Describe() => _while is null ? $"head {_count}" : "head (expr)";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => _while is null ? input.Take(_count) : input.TakeWhile(_while);
}
