using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>An operator written as a function over the row stream (head, tail, sort, dedup, join, ...).</summary>
internal sealed class DelegateOperator(string description, Func<IEnumerable<Row>, IEnumerable<Row>> run, bool mutates = false, bool generates = false, NestedSearch? nested = null) : Operator
{
    /// <summary>The subsearch the command reads (join, append), if any.</summary>
    public override NestedSearch? Nested { get; } = nested;

    public override bool Generates { get; } = generates;

    public override bool Mutates => mutates;

    public override string Describe() => description;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => run(input);
}
