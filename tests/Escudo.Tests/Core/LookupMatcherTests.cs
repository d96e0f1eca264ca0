using System.Net;
using Escudo.Spl.Execution;

namespace Escudo.Tests.Core;

/// <summary>
/// `lookup` matching (https://docs.splunk.com/Documentation/Splunk/latest/Knowledge/Usefieldlookupstoaddinformationtoyourevents):
/// a CIDR column's network cells match the addresses in them, a WILDCARD column's `*` cells match
/// as wildcards, other cells match equal text (ignoring case unless the table is case-sensitive),
/// and the first max_matches rows in table order are returned. The prepared matcher (hash index
/// for plain rows, prebuilt matchers for pattern rows) must return exactly the rows a plain scan
/// of the table with those rules returns, on random tables and values.
/// </summary>
public class LookupMatcherTests
{
    private static readonly string[] Cells = ["a", "A", "b", "*a*", "a*", "*", "x.exe", "*.EXE", "10.0.0.0/8", "10.1.2.3", "192.168.0.0/16", "", "ab"];
    private static readonly string[] Values = ["a", "A", "ab", "b", "x.exe", "X.EXE", "10.1.2.3", "10.9.9.9", "192.168.1.1", "8.8.8.8", "", "bab"];

    private static bool Reference(string cell, string value, bool wildcard, bool cidr, bool caseSensitive)
    {
        if (cidr && IPNetwork.TryParse(cell, out var net))
        {
            return IPAddress.TryParse(value, out var ip) && ip.AddressFamily == net.BaseAddress.AddressFamily && net.Contains(ip);
        }

        if (wildcard && cell.Contains('*'))
        {
            var regex = "^" + string.Join(".*", cell.Split('*').Select(System.Text.RegularExpressions.Regex.Escape)) + "$";
            var options = System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.CultureInvariant | (caseSensitive ? 0 : System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            return System.Text.RegularExpressions.Regex.IsMatch(value, regex, options);
        }

        return string.Equals(cell, value, caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void PreparedMatcherReturnsTheRowsOfAPlainScan()
    {
        var r = new Random(7);
        for (var t = 0; t < 300; t++)
        {
            var rows = Enumerable.Range(0, r.Next(1, 12)).Select(_ => new[] { Cells[r.Next(Cells.Length)], Cells[r.Next(Cells.Length)], "out" + r.Next(100) }).ToList();
            var table = new LookupTable("t", ["k1", "k2", "out"], rows) { CaseSensitive = r.Next(2) == 0, MaxMatches = r.Next(1, 4) };
            var wild = new[] { r.Next(2) == 0, r.Next(2) == 0 };
            var cidr = new[] { r.Next(2) == 0, r.Next(2) == 0 };
            for (var c = 0; c < 2; c++)
            {
                if (wild[c])
                {
                    table.WildcardColumns.Add("k" + (c + 1));
                }

                if (cidr[c])
                {
                    table.CidrColumns.Add("k" + (c + 1));
                }
            }

            var inputCount = r.Next(1, 3);
            var inputs = Enumerable.Range(0, inputCount).Select(c => (Col: c, Wildcard: wild[c], Cidr: cidr[c])).ToArray();
            var matcher = new LookupMatcher(table, inputs);
            for (var v = 0; v < 20; v++)
            {
                var values = Enumerable.Range(0, inputCount).Select(_ => Values[r.Next(Values.Length)]).ToArray();
                var expected = rows.Where(row => inputs.All(i => Reference(row[i.Col], values[i.Col], i.Wildcard, i.Cidr, table.CaseSensitive))).Take(table.MaxMatches).ToList();
                var actual = matcher.Matches(values);
                Assert.True(expected.SequenceEqual(actual), $"table {t}, values [{string.Join(", ", values)}]: expected {expected.Count} rows, got {actual.Count}");
            }
        }
    }
}
