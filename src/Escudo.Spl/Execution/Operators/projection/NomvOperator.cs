using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>nomv (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Nomv): a multivalue field becomes one value, its values separated by new lines.</summary>
internal sealed class NomvOperator(NomvCommand n) : InPlaceOperator
{
    private readonly int _id = FieldTable.Intern(n.Field);

    public override string Describe() => $"nomv {n.Field}";

    protected override void Map(Row row)
    {
        var v = row.Get(_id);
        if (v.IsMulti)
        {
            row.Set(_id, Value.FromString(string.Join('\n', v.Items.ToArray())));
        }
    }
}
