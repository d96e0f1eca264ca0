using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>sort: by each key in turn; numbers before strings, numbers numerically (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Sort).</summary>
internal sealed class SortOperator(SortCommand s, SearchContext context) : Operator
{
    private readonly IComparer<Row> _comparer = RowComparer(s.Keys);

    public override string Describe() => "sort " + string.Join(" ", s.Keys.Select(k => (k.Descending ? "-" : string.Empty) + k.Field));

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        using var held = context.Budget.Hold("sort");
        held.AddAll(input);
        held.Emitting();
        var sorted = held.Rows.Order(_comparer);
        IEnumerable<Row> result = s.Reverse ? sorted.Reverse() : sorted;
        foreach (var r in result.Take(s.Limit))
        {
            yield return r;
        }
    }

    /// <summary>Compares rows by the keys in turn: str() as text, ip() as addresses, else numbers before strings; nulls stay last whatever the direction.</summary>
    internal static IComparer<Row> RowComparer(IReadOnlyList<SortKey> keys)
    {
        var ids = keys.Select(k => (Id: FieldTable.Intern(k.Field), k.Descending, k.Type)).ToArray();
        return Comparer<Row>.Create((a, b) =>
        {
            foreach (var (id, desc, type) in ids)
            {
                var x = a.Get(id);
                var y = b.Get(id);
                int c;
                if (type == "str")
                {
                    c = string.CompareOrdinal(x.FirstString(), y.FirstString());
                }
                else if (type == "ip")
                {
                    c = CompareAsIp(x, y);
                }
                else
                {
                    c = ValueComparer.Instance.Compare(x, y);
                }

                if (c != 0)
                {
                    return desc && !(x.IsNull || y.IsNull) ? -c : c;
                }
            }

            return 0;
        });
    }

    /// <summary>
    /// sort ip(field): addresses in numeric order (IPv4 before IPv6, each by its bytes), so
    /// 9.1.1.1 comes before 10.0.0.9 before 10.0.0.10; values that are not addresses follow, in the
    /// usual order.
    /// </summary>
    private static int CompareAsIp(Value x, Value y)
    {
        var a = ParseIp(x);
        var b = ParseIp(y);
        if (a is null || b is null)
        {
            return a is not null ? -1 : b is not null ? 1 : ValueComparer.Instance.Compare(x, y);
        }

        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.AsSpan().SequenceCompareTo(b);

        static byte[]? ParseIp(Value v) =>
            v.FirstString() is { } s && System.Net.IPAddress.TryParse(s, out var ip) && (s.Contains(':', StringComparison.Ordinal) || s.Count(ch => ch == '.') == 3)
                ? ip.GetAddressBytes()
                : null;
    }
}
