using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>search and where after the first command, regex, and any other row filter.</summary>
internal sealed class FilterOperator(string description, Func<Row, bool> predicate) : Operator, IRowStep
{
    public bool Apply(Row row) => Predicate(row);

    public Func<Row, bool> Predicate { get; } = predicate;

    public override string Describe() => description;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        foreach (var row in input)
        {
            if (Predicate(row))
            {
                yield return row;
            }
        }
    }
}
