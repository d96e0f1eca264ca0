using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// accum (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Accum): the
/// running total of the field's numeric values, in the field itself or in AS newfield; a result
/// whose value is not a number gets no total and does not change it. State lives inside each
/// run, so a plan run twice starts afresh.
/// </summary>
internal sealed class AccumOperator(AccumCommand a) : Operator
{
    private readonly int _from = FieldTable.Intern(a.Field);
    private readonly int _to = FieldTable.Intern(a.Alias ?? a.Field);

    public override bool Mutates => true;

    public override string Describe() => $"accum {a.Field}";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var total = 0.0;
        foreach (var r in input)
        {
            if (r.Get(_from).TryGetNumber(out var v))
            {
                total += v;
                r.Set(_to, Value.FromNumber(total));
            }

            yield return r;
        }
    }
}
