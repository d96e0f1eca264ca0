namespace Escudo.Spl.Functions.Stats;

/// <summary>A stats function: its name, whether it needs a field, and how to make a fresh state.</summary>
internal sealed record AggregateFunction(string Name, bool NeedsField, Func<Aggregator> Create);
