using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// autoregress (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Autoregress):
/// copies the field's value from p results earlier into AS newfield or <c>field_pN</c>, one
/// field per N of a range p=N-M; results without such an earlier value get none.
/// </summary>
internal sealed class AutoregressOperator(AutoregressCommand a) : Operator
{
    private readonly int _from = FieldTable.Intern(a.Field);
    private readonly (int Back, int Id)[] _targets = Enumerable.Range(a.From, a.To - a.From + 1)
        .Select(n => (Back: n, Id: FieldTable.Intern(a.Alias ?? $"{a.Field}_p{n}")))
        .ToArray();

    public override bool Mutates => true;

    public override string Describe() => $"autoregress {a.Field} p={a.From}-{a.To}";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var history = new List<Value>(); // newest last, at most a.To values
        foreach (var r in input)
        {
            var current = r.Get(_from);
            foreach (var (back, id) in _targets)
            {
                if (history.Count >= back && history[^back] is { IsNull: false } earlier)
                {
                    r.Set(id, earlier);
                }
            }

            history.Add(current);
            if (history.Count > a.To)
            {
                history.RemoveAt(0);
            }

            yield return r;
        }
    }
}
