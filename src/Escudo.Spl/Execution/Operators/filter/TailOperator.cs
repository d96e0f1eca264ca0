using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>tail: the last N rows, last first; holds only N.</summary>
internal sealed class TailOperator(int count, SearchBudget budget) : Operator
{
    public override string Describe() => $"tail {count}";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var q = new Queue<Row>();
        foreach (var r in input)
        {
            q.Enqueue(r);
            if (q.Count > count)
            {
                q.Dequeue();
            }

            budget.CheckHeld(q.Count, "tail");
        }

        return q.Reverse();
    }
}
