using Escudo.Core.Events;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>fields: <c>fields - a b</c> removes; <c>fields a b</c> keeps those (and the internal _time/_raw, as Splunk does).</summary>
internal sealed class FieldsOperator(FieldsCommand f) : InPlaceOperator
{
    private readonly FieldPattern[] _patterns = f.Fields.Select(x => new FieldPattern(x)).ToArray();

    public override string Describe() => (f.Remove ? "fields - " : "fields ") + string.Join(" ", f.Fields);

    private bool Listed(int id)
    {
        var name = FieldTable.NameOf(id);
        return _patterns.Any(p => p.IsMatch(name));
    }

    protected override void Map(Row row)
    {
        if (f.Remove)
        {
            row.RemoveWhere(Listed);
            return;
        }

        row.RemoveWhere(id => !Listed(id) && id != FieldTable.Time && id != FieldTable.Raw);
        var order = new List<int>();
        foreach (var p in _patterns)
        {
            for (var i = 0; i < row.Count; i++)
            {
                if (p.IsMatch(row.NameAt(i)) && !order.Contains(row.IdAt(i)))
                {
                    order.Add(row.IdAt(i));
                }
            }
        }

        row.MoveToFront(order);
    }
}
