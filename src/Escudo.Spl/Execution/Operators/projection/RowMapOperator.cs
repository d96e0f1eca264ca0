using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>A streaming operator that changes each row in place (rename, convert, fillnull, rex, table...).</summary>
internal sealed class RowMapOperator(string description, Action<Row> map) : Operator, IRowStep
{
    public bool Apply(Row row)
    {
        map(row);
        return true;
    }

    public override bool Mutates => true;

    public override string Describe() => description;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        foreach (var row in input)
        {
            map(row);
            yield return row;
        }
    }
}
