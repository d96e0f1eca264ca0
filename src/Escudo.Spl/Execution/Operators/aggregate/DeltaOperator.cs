using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// delta (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Delta): the
/// field's value minus its value p results earlier (p=1 by default), into AS newfield or
/// <c>delta(field)</c>; the first p results, and any where either value is not a number, get none.
/// </summary>
internal sealed class DeltaOperator(DeltaCommand d) : Operator
{
    private readonly int _from = FieldTable.Intern(d.Field);
    private readonly int _to = FieldTable.Intern(d.Alias ?? $"delta({d.Field})");

    public override bool Mutates => true;

    public override string Describe() => $"delta {d.Field} p={d.Period}";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var previous = new Queue<Value>();
        foreach (var r in input)
        {
            var current = r.Get(_from);
            if (previous.Count == d.Period)
            {
                var earlier = previous.Dequeue();
                if (current.TryGetNumber(out var now) && earlier.TryGetNumber(out var then))
                {
                    r.Set(_to, Value.FromNumber(now - then));
                }
            }

            previous.Enqueue(current);
            yield return r;
        }
    }
}
