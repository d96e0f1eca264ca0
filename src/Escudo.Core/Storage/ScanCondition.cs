namespace Escudo.Core.Storage;

/// <summary>
/// A search's filter described for a store, built by the planner from the parsed search (never
/// from its text): boolean structure over field matches, with everything a store cannot be
/// expected to evaluate (keywords, comparisons, CIDR, subsearches) left opaque. Each store
/// translates what it can evaluate exactly (or as a superset, outside a NOT); the engine
/// re-applies the whole filter to what the store returns.
/// </summary>
public abstract record ScanCondition;

public sealed record ScanAnd(IReadOnlyList<ScanCondition> Terms) : ScanCondition;

public sealed record ScanOr(IReadOnlyList<ScanCondition> Terms) : ScanCondition;

public sealed record ScanNot(ScanCondition Operand) : ScanCondition;

/// <summary>
/// <c>field=p1 OR field=p2 ...</c> (an <c>IN</c> list, or one value) as Splunk's search reads it:
/// some value of the field (any value of a multivalue field) equals one of the patterns ignoring
/// case, <c>*</c> matching any run of characters. Patterns have escapes removed.
/// </summary>
public sealed record ScanFieldMatch(string Field, IReadOnlyList<string> Patterns) : ScanCondition
{
    public bool HasWildcard => Patterns.Any(p => p.Contains('*', StringComparison.Ordinal));
}

/// <summary>A part of the filter the description does not carry (a keyword, <c>!=</c>, <c>&lt;</c>, CIDR, a subsearch...).</summary>
public sealed record ScanOpaque(string What) : ScanCondition;
