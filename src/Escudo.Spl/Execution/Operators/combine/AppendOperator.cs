using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>append: the subsearch's results after the input's.</summary>
internal sealed class AppendOperator(NestedSearch sub) : Operator
{
    public override NestedSearch? Nested => sub;

    public override string Describe() => "append [subsearch]";

    // The subsearch is set running when the pipeline is built, as the command always has.
    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => input.Concat(sub.Run());
}
