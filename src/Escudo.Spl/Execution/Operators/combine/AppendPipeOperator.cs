using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>appendpipe: runs the sub-pipeline over the results so far and appends its output.</summary>
internal sealed class AppendPipeOperator(CompiledSearch sub, SearchContext context) : Operator
{
    public override string Describe() => "appendpipe [subpipeline]";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        using var held = context.Budget.Hold("appendpipe");
        held.AddAll(input);
        IEnumerable<Row> tail = held.Rows.Select(r => r.Clone());
        var subOps = sub.Operators;
        var start = subOps.Count > 0 && subOps[0] is ScanOperator ? 1 : 0;
        for (var i = start; i < subOps.Count; i++)
        {
            tail = subOps[i].Execute(tail);
        }

        using var appended = context.Budget.Hold("appendpipe");
        appended.AddAll(tail);
        held.Emitting();
        appended.Emitting();
        foreach (var r in held.Rows.Concat(appended.Rows))
        {
            yield return r;
        }
    }
}
