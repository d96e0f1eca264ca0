using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// A streaming command that changes each row in place and keeps no state between rows (rename,
/// convert, fillnull with fields, rex, lookup, ...): it runs as a pipeline step and as a row step
/// of the shared pass alike.
/// </summary>
internal abstract class InPlaceOperator : Operator, IRowStep
{
    public override bool Mutates => true;

    /// <summary>Changes the row; never drops it.</summary>
    protected abstract void Map(Row row);

    public bool Apply(Row row)
    {
        Map(row);
        return true;
    }

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        foreach (var row in input)
        {
            Map(row);
            yield return row;
        }
    }
}
