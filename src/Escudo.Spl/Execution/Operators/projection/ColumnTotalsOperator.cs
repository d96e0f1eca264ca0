using Escudo.Core.Events;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>addtotals col=true: the row totals of <see cref="AddTotalsOperator"/>, then one result of column sums (<see cref="ColumnTotals"/>).</summary>
internal sealed class ColumnTotalsOperator(AddTotalsOperator rowTotals, AddTotalsCommand a) : Operator
{
    private readonly FieldPattern[] _patterns = a.Fields.Select(f => new FieldPattern(f)).ToArray();

    public override bool Mutates => true;

    public override string Describe() => "addtotals col=t";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) =>
        ColumnTotals.Run(rowTotals.Execute(input), _patterns, a.LabelField, a.Label);
}
