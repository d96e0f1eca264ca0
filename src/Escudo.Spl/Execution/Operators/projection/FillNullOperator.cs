using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>fillnull with a field list: each listed field a row lacks gets the value, row by row.</summary>
internal sealed class FillNullOperator(FillNullCommand f) : InPlaceOperator
{
    private readonly Value _value = Value.FromString(f.Value);
    private readonly int[] _ids = f.Fields.Select(FieldTable.Intern).ToArray();

    public override string Describe() => "fillnull " + string.Join(" ", f.Fields);

    protected override void Map(Row row)
    {
        foreach (var id in _ids)
        {
            if (!row.Has(id))
            {
                row.Set(id, _value);
            }
        }
    }
}
