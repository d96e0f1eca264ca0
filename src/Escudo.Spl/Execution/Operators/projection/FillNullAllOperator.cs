using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// fillnull without a field list fills every field seen in any result, so it holds all rows
/// first (a blocking pass, bounded by the search's row budget).
/// </summary>
internal sealed class FillNullAllOperator(FillNullCommand f, SearchContext context) : Operator
{
    private readonly Value _value = Value.FromString(f.Value);

    public override bool Mutates => true;

    public override string Describe() => "fillnull";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        using var held = context.Budget.Hold("fillnull");
        held.AddAll(input);
        var list = held.Rows;
        var all = new List<int>();
        var seen = new HashSet<int>();
        foreach (var r in list)
        {
            for (var i = 0; i < r.Count; i++)
            {
                if (seen.Add(r.IdAt(i)))
                {
                    all.Add(r.IdAt(i));
                }
            }
        }

        foreach (var r in list)
        {
            foreach (var id in all)
            {
                if (!r.Has(id))
                {
                    r.Set(id, _value);
                }
            }
        }

        held.Emitting();
        foreach (var r in list)
        {
            yield return r;
        }
    }
}
