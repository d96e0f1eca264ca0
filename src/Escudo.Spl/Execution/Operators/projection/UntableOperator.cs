using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// untable (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Untable): each
/// result becomes one result per other non-null field: x-field's value, the field's name in
/// y-name-field and its value in y-data-field, fields in the result's order.
/// </summary>
internal sealed class UntableOperator(UntableCommand u) : Operator
{
    private readonly int _x = FieldTable.Intern(u.XField);
    private readonly int _name = FieldTable.Intern(u.NameField);
    private readonly int _data = FieldTable.Intern(u.DataField);

    public override string Describe() => $"untable {u.XField} {u.NameField} {u.DataField}";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        foreach (var r in input)
        {
            var xValue = r.Get(_x);
            for (var i = 0; i < r.Count; i++)
            {
                var id = r.IdAt(i);
                var v = r.ValueAt(i);
                if (id == _x || v.IsNull || FieldTable.NameOf(id).StartsWith('_'))
                {
                    continue; // internal fields (_time, _raw) are not table columns
                }

                var row = new Row(3);
                row.Set(_x, xValue);
                row.Set(_name, Value.FromString(FieldTable.NameOf(id)));
                row.Set(_data, v);
                yield return row;
            }
        }
    }
}
