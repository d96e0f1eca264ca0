using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// eval: each assignment in order, so later ones see earlier results. An assignment whose target
/// is written <c>{name}</c> assigns the field named by the value of field <c>name</c>
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Eval); a row where that
/// field is missing or empty gets nothing.
/// </summary>
internal sealed class EvalOperator(IReadOnlyList<(int FieldId, CompiledExpr Expr, int TargetFromFieldId)> assignments, string description) : Operator, IRowStep
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
        foreach (var (fixedId, expr, targetFrom) in assignments)
        {
            var id = fixedId;
            if (targetFrom >= 0)
            {
                var name = row.Get(targetFrom).FirstString();
                if (string.IsNullOrEmpty(name))
                {
                    continue;
                }

                id = FieldTable.Intern(name);
            }

            var v = expr(row);
            // Booleans are not storable field values in Splunk; they show as nothing.
            row.Set(id, v.IsBoolean ? Core.Values.Value.Null : v);
        }

        return true;
    }
}
