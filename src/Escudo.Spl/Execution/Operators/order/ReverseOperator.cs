using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>reverse: all rows, last first (held within the search's row budget).</summary>
internal sealed class ReverseOperator(SearchContext context) : Operator
{
    public override string Describe() => "reverse";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        using var held = context.Budget.Hold("reverse");
        held.AddAll(input);
        held.Emitting();
        for (var i = held.Rows.Count - 1; i >= 0; i--)
        {
            yield return held.Rows[i];
        }
    }
}
