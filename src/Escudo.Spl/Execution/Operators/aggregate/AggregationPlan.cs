using Escudo.Spl.Functions.Stats;

namespace Escudo.Spl.Execution.Operators;

/// <summary>One compiled aggregation: where its input comes from and where its result goes.</summary>
internal sealed record AggregationPlan(AggregateFunction Function, CompiledExpr? Input, bool InputIsCondition, int OutputId, string OutputName)
{
    /// <summary>The field the input reads, when it is a plain field (not an eval); what a store needs to run the aggregation itself.</summary>
    public string? InputField { get; init; }
}
