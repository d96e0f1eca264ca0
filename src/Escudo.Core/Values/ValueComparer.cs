namespace Escudo.Core.Values;

/// <summary>
/// Splunk's ordering of values, as used by sort, min/max over mixed data and comparisons in eval:
/// numbers before strings, numbers by value, strings lexicographically (ordinal).
/// </summary>
public sealed class ValueComparer : IComparer<Value>
{
    public static readonly ValueComparer Instance = new();

    public int Compare(Value x, Value y)
    {
        if (x.IsNull || y.IsNull)
        {
            return x.IsNull == y.IsNull ? 0 : x.IsNull ? 1 : -1;
        }

        var xn = x.TryGetNumber(out var dx);
        var yn = y.TryGetNumber(out var dy);
        if (xn && yn)
        {
            return dx.CompareTo(dy);
        }

        if (xn != yn)
        {
            return xn ? -1 : 1;
        }

        return string.CompareOrdinal(x.FirstString(), y.FirstString());
    }
}
