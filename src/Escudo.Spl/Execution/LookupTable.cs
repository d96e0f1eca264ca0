namespace Escudo.Spl.Execution;

/// <summary>
/// A lookup table: columns, rows, and how matching works per column (exact, WILDCARD or CIDR;
/// case-sensitive or not; how many matches are kept and the default when nothing matches).
/// https://docs.splunk.com/Documentation/Splunk/latest/Knowledge/Usefieldlookupstoaddinformationtoyourevents
/// </summary>
public sealed class LookupTable
{
    public LookupTable(string name, IReadOnlyList<string> columns, IReadOnlyList<string[]> rows)
    {
        Name = name;
        Columns = columns;
        Rows = rows;
    }

    public string Name { get; }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<string[]> Rows { get; }

    public HashSet<string> WildcardColumns { get; } = new(StringComparer.Ordinal);

    public HashSet<string> CidrColumns { get; } = new(StringComparer.Ordinal);

    public bool CaseSensitive { get; init; } = true;

    public int MaxMatches { get; init; } = 1;

    public int MinMatches { get; init; }

    public string? DefaultMatch { get; init; }

    public int ColumnIndex(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Equals(name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
