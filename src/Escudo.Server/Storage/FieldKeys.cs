using System.Runtime.CompilerServices;
using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// The <c>field_keys</c> text <see cref="DuckDbStore"/> writes with each event, so that an equality
/// on a field detections and searches often test (<c>user=user42</c>) narrows a scan without
/// reading <c>_raw</c>: for each of <see cref="Fields"/> the row has, one line <c>field=VALUE</c>
/// per value, the value as the engine shows it when matching (a number's display) and upper-cased
/// as the engine's comparison (OrdinalIgnoreCase) sees it against ASCII (<see cref="Upper"/>); the text
/// starts and ends with a line break. A field match <c>f=p</c> (no wildcard, ASCII, not a CIDR
/// range) can then only hold on a row whose text contains <c>\nf=P\n</c>: a superset (a value
/// holding a line break could add a false line, never hide one), and the engine re-applies the
/// whole filter. Rows written before the column existed have it null, and are always read.
/// </summary>
internal static class FieldKeys
{
    /// <summary>The fields kept, by the name searches use: the CIM fields ESCU compares with a value, and their Windows sources.</summary>
    public static readonly IReadOnlyList<string> Fields =
    [
        "user", "User", "dest", "src", "src_user", "process_name", "parent_process_name", "Computer",
        "TargetUserName", "SubjectUserName", "LogonType", "Status", "action", "signature_id", "service_name", "ServiceName",
    ];

    private static readonly int[] Ids = [.. Fields.Select(FieldTable.Intern)];

    private static readonly HashSet<string> Kept = new(Fields, StringComparer.Ordinal);

    /// <summary>
    /// Keys worked out from a whole row before HEC slimmed it for its wait in the commit queue
    /// (<see cref="XmlRowRecipe.Slim"/> keeps only the stored columns, none of <see cref="Fields"/>):
    /// without them a slim row was stored with no keys, and a search for process_name=regasm.exe
    /// found none of HEC's Windows XML events.
    /// </summary>
    private static readonly ConditionalWeakTable<Row, string> Remembered = new();

    /// <summary>Keeps <paramref name="whole"/>'s keys for <paramref name="slim"/>, the row stored in its place.</summary>
    public static void Remember(Row slim, Row whole) => Remembered.AddOrUpdate(slim, Compute(whole));

    public static string Of(Row row) => Remembered.TryGetValue(row, out var keys) ? keys : Compute(row);

    private static string Compute(Row row)
    {
        var text = new StringBuilder("\n");
        for (var i = 0; i < Ids.Length; i++)
        {
            var v = row.Get(Ids[i]);
            if (v.IsNull)
            {
                continue;
            }

            foreach (var item in v.IsMulti ? v.Items : [v.ToDisplayString()])
            {
                text.Append(Fields[i]).Append('=');
                foreach (var c in item)
                {
                    text.Append(Upper(c));
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// A character as a key holds it: the ASCII upper case of the ASCII letter the engine's comparison
    /// (OrdinalIgnoreCase) finds it equal to, when there is one (ı and I, ſ and S, depending on the
    /// runtime's casing table: taken from the comparison itself), else its invariant upper case.
    /// </summary>
    private static char Upper(char c) => c < 128 ? char.ToUpperInvariant(c) : FoldsOntoAscii.Value.TryGetValue(c, out var a) ? a : char.ToUpperInvariant(c);

    private static readonly Lazy<Dictionary<char, char>> FoldsOntoAscii = new(() =>
    {
        var found = new Dictionary<char, char>();
        for (var c = (char)128; c < char.MaxValue; c++)
        {
            for (var a = 'A'; !char.IsSurrogate(c) && a <= 'Z'; a++)
            {
                if (string.Equals(c.ToString(), a.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    found[c] = a;
                    break;
                }
            }
        }

        return found;
    });

    /// <summary>
    /// The condition's top-level field matches on kept fields, each as an SQL test on
    /// <c>field_keys</c> that every row it accepts passes (null: none).
    /// </summary>
    public static string? Clause(ScanCondition? condition, Func<string, string> parameter)
    {
        IReadOnlyList<ScanCondition> terms = condition switch
        {
            ScanAnd all => all.Terms,
            ScanFieldMatch m => [m],
            _ => [],
        };
        var tests = new List<string>();
        foreach (var term in terms)
        {
            if (term is ScanFieldMatch m && Kept.Contains(m.Field) && m.Patterns.Count > 0 && m.Patterns.All(Exact))
            {
                var any = m.Patterns.Select(p => $"contains(field_keys, {parameter("\n" + m.Field + "=" + p.ToUpperInvariant() + "\n")})");
                tests.Add("(field_keys IS NULL OR " + string.Join(" OR ", any) + ")");
            }
        }

        return tests.Count == 0 ? null : string.Join(" AND ", tests);
    }

    /// <summary>A pattern matched as one whole value: no wildcard, ASCII (where upper-casing is the engine's comparison), not a CIDR range.</summary>
    private static bool Exact(string pattern) =>
        pattern.Length > 0 && !pattern.Contains('*', StringComparison.Ordinal) && pattern.All(char.IsAscii)
        && !(pattern.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(pattern, out _));
}
