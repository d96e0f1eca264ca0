using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>mvexpand: one row per value of a multivalue field (up to limit); rows without the field are dropped.</summary>
internal sealed class MvExpandOperator(MvExpandCommand m) : Operator
{
    private readonly int _id = FieldTable.Intern(m.Field);

    public override bool Mutates => true;

    public override string Describe() => "mvexpand " + m.Field;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        foreach (var r in input)
        {
            var v = r.Get(_id);
            if (v.IsNull)
            {
                continue;
            }

            if (!v.IsMulti)
            {
                yield return r;
                continue;
            }

            var n = 0;
            foreach (var item in v.Items.ToArray())
            {
                if (m.Limit is { } l && n++ >= l)
                {
                    break;
                }

                var copy = r.Clone();
                copy.Set(_id, Value.FromString(item));
                yield return copy;
            }
        }
    }
}
