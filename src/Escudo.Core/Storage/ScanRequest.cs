using Escudo.Core.Events;
using Escudo.Core.Time;

namespace Escudo.Core.Storage;

/// <summary>
/// What a search asks of a store: a time range, and optionally a filter the store may apply
/// itself. <see cref="Filter"/> is always correct to run in memory; <see cref="PushdownText"/> is
/// the same filter as search-language text, for a store that can translate it (to SQL, say).
/// A store may return a superset: the engine re-applies <see cref="Filter"/> unless the store
/// says <see cref="IEventSource.AppliesFilters"/>.
/// </summary>
public sealed record ScanRequest(TimeRange Time, Func<Row, bool>? Filter = null, string? PushdownText = null)
{
    /// <summary>
    /// Keys of indexed fields (<c>EventCode:4688</c>, <c>source:...</c>, lower-cased text or
    /// formatted numbers) one of which every matching event has, or null when the search implies
    /// none: a store with an index on those fields may read only the events that have one.
    /// </summary>
    public IReadOnlyCollection<string>? RequiredKeys { get; init; }

    /// <summary>
    /// (field, text) alternatives one of which every matching event has: a value of the field that
    /// contains the text, ignoring case (ordinal). Null when the search implies none. A store that
    /// keeps the distinct values of a field may read only the events whose values contain one.
    /// </summary>
    public IReadOnlyList<(string Field, string Literal)>? RequiredLiterals { get; init; }

    /// <summary>The filter as a neutral description a store may translate (to SQL, say); null when the search has none.</summary>
    public ScanCondition? Condition { get; init; }

    public static readonly ScanRequest All = new(TimeRange.All);
}
