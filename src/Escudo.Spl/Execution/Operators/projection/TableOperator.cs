using Escudo.Core.Events;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>table: keeps the listed fields (wildcards allowed) in the order listed.</summary>
internal sealed class TableOperator(TableCommand t) : InPlaceOperator
{
    private readonly FieldPattern[] _patterns = t.Fields.Select(f => new FieldPattern(f)).ToArray();

    public override string Describe() => "table " + string.Join(" ", t.Fields);

    protected override void Map(Row row)
    {
        var order = new List<int>();
        foreach (var p in _patterns)
        {
            if (!p.HasWildcard)
            {
                if (FieldTable.TryGet(p.Pattern, out var id) && row.Has(id) && !order.Contains(id))
                {
                    order.Add(id);
                }

                continue;
            }

            for (var i = 0; i < row.Count; i++)
            {
                if (p.IsMatch(row.NameAt(i)) && !order.Contains(row.IdAt(i)))
                {
                    order.Add(row.IdAt(i));
                }
            }
        }

        var keep = new HashSet<int>(order);
        row.RemoveWhere(id => !keep.Contains(id));
        row.MoveToFront(order);
    }
}
