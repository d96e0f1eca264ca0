using System.Net;
using System.Text.RegularExpressions;

namespace Escudo.Spl.Execution;

/// <summary>
/// Finds the rows of a lookup table whose input columns match a row's values, as `lookup` does
/// (https://docs.splunk.com/Documentation/Splunk/latest/Knowledge/Usefieldlookupstoaddinformationtoyourevents):
/// a cell of a CIDR column that is a network matches the addresses in it, a cell of a WILDCARD
/// column with `*` matches as a wildcard, and any other cell matches equal text (ignoring case
/// unless the table is case-sensitive). Matches come in table order, at most max_matches.
/// Everything that does not depend on the row is prepared once: rows whose cells are all plain
/// text are found through a hash index, and only the rows with a pattern or a network are tried
/// one by one, each cell's matcher built in advance (no parsing of networks or patterns per row).
/// </summary>
internal sealed class LookupMatcher
{
    private readonly LookupTable _table;
    private readonly int[] _cols;
    private readonly bool[] _cidrInput;
    private readonly Dictionary<string, List<int>> _plain;
    private readonly int[] _patternRows;
    private readonly Func<string, IPAddress?, bool>[][] _patternCells;

    public LookupMatcher(LookupTable table, IReadOnlyList<(int Col, bool Wildcard, bool Cidr)> inputs)
    {
        _table = table;
        _cols = [.. inputs.Select(i => i.Col)];
        _cidrInput = [.. inputs.Select(i => i.Cidr)];
        var comparison = table.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        _plain = new Dictionary<string, List<int>>(table.CaseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        var patternRows = new List<int>();
        var patternCells = new List<Func<string, IPAddress?, bool>[]>();
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            var cells = new Func<string, IPAddress?, bool>?[inputs.Count];
            var plain = true;
            for (var i = 0; i < inputs.Count; i++)
            {
                var cell = row[inputs[i].Col];
                if (inputs[i].Cidr && IPNetwork.TryParse(cell, out var net))
                {
                    cells[i] = (_, ip) => ip is not null && ip.AddressFamily == net.BaseAddress.AddressFamily && net.Contains(ip);
                    plain = false;
                }
                else if (inputs[i].Wildcard && cell.Contains('*'))
                {
                    if (table.CaseSensitive)
                    {
                        cells[i] = CaseSensitiveWildcard(cell);
                    }
                    else
                    {
                        var wildcard = new WildcardPattern(cell);
                        cells[i] = (value, _) => wildcard.IsMatch(value);
                    }

                    plain = false;
                }
            }

            if (plain)
            {
                var key = Key(row, _cols);
                if (!_plain.TryGetValue(key, out var list))
                {
                    _plain[key] = list = [];
                }

                list.Add(r);
                continue;
            }

            for (var i = 0; i < cells.Length; i++)
            {
                var cell = row[inputs[i].Col];
                cells[i] ??= (value, _) => string.Equals(cell, value, comparison);
            }

            patternRows.Add(r);
            patternCells.Add(cells!);
        }

        _patternRows = [.. patternRows];
        _patternCells = [.. patternCells];
    }

    private static Func<string, IPAddress?, bool> CaseSensitiveWildcard(string pattern)
    {
        var regex = new Regex("^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
        return (value, _) => regex.IsMatch(value);
    }

    private static string Key(string[] row, int[] cols) => cols.Length == 1 ? row[cols[0]] : string.Join('\u0001', cols.Select(c => row[c]));

    /// <summary>The matching table rows for the values of the input columns, in table order.</summary>
    public List<string[]> Matches(string[] values)
    {
        var max = _table.MaxMatches;
        var found = new List<string[]>();
        _plain.TryGetValue(values.Length == 1 ? values[0] : string.Join('\u0001', values), out var plainRows);
        if (_patternRows.Length == 0)
        {
            if (plainRows is not null)
            {
                for (var k = 0; k < plainRows.Count && found.Count < max; k++)
                {
                    found.Add(_table.Rows[plainRows[k]]);
                }
            }

            return found;
        }

        IPAddress?[]? ips = null;
        for (var i = 0; i < values.Length; i++)
        {
            if (_cidrInput[i])
            {
                ips ??= new IPAddress?[values.Length];
                ips[i] = IPAddress.TryParse(values[i], out var ip) ? ip : null;
            }
        }

        // Both lists are in table order: merge them, up to max_matches.
        var p = 0;
        var q = 0;
        var plainCount = plainRows?.Count ?? 0;
        while (found.Count < max)
        {
            var nextPattern = NextPatternMatch(values, ips, ref p);
            var nextPlain = q < plainCount ? plainRows![q] : int.MaxValue;
            if (nextPattern == int.MaxValue && nextPlain == int.MaxValue)
            {
                break;
            }

            if (nextPlain < nextPattern)
            {
                found.Add(_table.Rows[nextPlain]);
                q++;
            }
            else
            {
                found.Add(_table.Rows[nextPattern]);
                p++;
            }
        }

        return found;
    }

    /// <summary>The table index of the first pattern row at or after position <paramref name="p"/> that matches (p is left on it), or int.MaxValue.</summary>
    private int NextPatternMatch(string[] values, IPAddress?[]? ips, ref int p)
    {
        for (; p < _patternRows.Length; p++)
        {
            var cells = _patternCells[p];
            var ok = true;
            for (var i = 0; i < cells.Length && ok; i++)
            {
                ok = cells[i](values[i], ips?[i]);
            }

            if (ok)
            {
                return _patternRows[p];
            }
        }

        return int.MaxValue;
    }
}
