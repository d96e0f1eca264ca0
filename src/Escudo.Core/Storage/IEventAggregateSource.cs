namespace Escudo.Core.Storage;

/// <summary>
/// An event source that can run a search's leading <c>stats</c> itself (in the database), so the
/// search reads one row per group instead of every event. The request's condition is the leading
/// search's whole filter. The store takes the whole request or refuses it: it answers only when its
/// answer is exactly the engine's (the same groups, values and evidence); null means refused, and
/// the engine scans and aggregates the events itself.
/// </summary>
public interface IEventAggregateSource
{
    /// <summary>The groups of the events that pass the request, in any order; null when refused.</summary>
    IReadOnlyList<AggregateGroup>? AggregateEvents(AggregateRequest request);
}
