using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>eval: each assignment in order, so later ones see earlier results.</summary>
public sealed class EvalOperator(IReadOnlyList<(int FieldId, CompiledExpr Expr)> assignments, string description) : Operator, IRowStep
{
    public override bool Mutates => true;

    public override string Describe() => description;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        foreach (var row in input)
        {
            Apply(row);
            yield return row;
        }
    }

    public bool Apply(Row row)
    {
        foreach (var (id, expr) in assignments)
        {
            var v = expr(row);
            // Booleans are not storable field values in Splunk; they show as nothing.
            row.Set(id, v.IsBoolean ? Core.Values.Value.Null : v);
        }

        return true;
    }
}
