using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>addtotals: with row=true, the sum of each row's numeric fields (those listed, else all but internal ones) in a total field.</summary>
internal sealed class AddTotalsOperator(AddTotalsCommand a) : InPlaceOperator
{
    private readonly FieldPattern[] _patterns = a.Fields.Select(f => new FieldPattern(f)).ToArray();
    private readonly int _totalId = FieldTable.Intern(a.FieldName);

    public override string Describe() => "addtotals";

    protected override void Map(Row row)
    {
        if (!a.Row)
        {
            return;
        }

        double sum = 0;
        for (var i = 0; i < row.Count; i++)
        {
            var name = row.NameAt(i);
            if (name.StartsWith('_') || (_patterns.Length > 0 && !_patterns.Any(p => p.IsMatch(name))))
            {
                continue;
            }

            if (row.ValueAt(i).TryGetNumber(out var d))
            {
                sum += d;
            }
        }

        row.Set(_totalId, Value.FromNumber(sum));
    }
}
