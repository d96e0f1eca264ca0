using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;

namespace Escudo.Core.Storage;

/// <summary>
/// A stats over a store's rows, as the engine would run it: the rows in <see cref="Time"/> that
/// pass <see cref="Condition"/> (all rows when null), grouped by <see cref="By"/> (a row whose
/// by-field is missing joins no group, unless <see cref="FillNull"/> gives it that value), each
/// group aggregated by <see cref="Calls"/>. Each group also carries its evidence: the first
/// <see cref="EvidenceLimit"/> rows in the store's read order, the count and time span of all.
/// </summary>
public sealed record AggregateRequest(
    TimeRange Time,
    ScanCondition? Condition,
    IReadOnlyList<string> By,
    IReadOnlyList<AggregateCall> Calls,
    string? FillNull,
    int EvidenceLimit,
    long MaxGroups);

/// <summary>One stats function over a field (<see cref="Field"/> null for a bare <c>count</c>), by its lower-case name.</summary>
public sealed record AggregateCall(string Function, string? Field);

/// <summary>One group of an aggregate: its by-field values, one result per call (in the request's order), its evidence.</summary>
public sealed record AggregateGroup(Value[] Key, Value[] Results, Evidence Evidence);
