using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>An operator written as a function over the row stream (head, tail, sort, dedup, join, ...).</summary>
public sealed class DelegateOperator(string description, Func<IEnumerable<Row>, IEnumerable<Row>> run, bool mutates = false, bool generates = false) : Operator
{
    public bool Generates { get; } = generates;

    public override bool Mutates => mutates;

    public override string Describe() => description;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => run(input);
}
