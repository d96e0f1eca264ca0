namespace Escudo.Spl.Facts;

/// <summary>What a search starts with: a search over events, a tstats over a data model, or another command.</summary>
public enum LeadingKind
{
    Events,
    DataModel,
    Other,
}

/// <summary>A search's leading command: its kind, the data model a tstats names, and the clauses of its condition (top-level AND terms).</summary>
public sealed record LeadingSearch(LeadingKind Kind, string? DataModel, IReadOnlyList<SearchClause> Clauses);
