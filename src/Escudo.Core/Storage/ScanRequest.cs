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

    /// <summary>
    /// The only fields the rest of the search reads from the scanned events (names as written,
    /// always with <c>_time</c>), or null when it may read any field: the events are its output,
    /// or it reads <c>_raw</c>, a wildcard or a field named at run time. A store may decode only
    /// these fields; one that returns more is still correct.
    /// </summary>
    public IReadOnlySet<string>? Fields { get; init; }

    public static readonly ScanRequest All = new(TimeRange.All);
}
