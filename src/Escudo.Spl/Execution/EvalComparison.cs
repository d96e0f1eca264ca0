using Escudo.Core.Values;

namespace Escudo.Spl.Execution;

/// <summary>
/// Truth and comparison of eval values (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Eval):
/// comparisons are numeric when both sides are numbers and case-sensitive string comparisons
/// otherwise, and a null operand makes the result null. Shared by the expression compiler and the
/// eval functions (nullif, in, mvfilter, ...).
/// </summary>
public static class EvalComparison
{
    public static bool IsTrue(Value v) => v.Kind switch
    {
        ValueKind.Boolean => v.RawBoolean,
        ValueKind.Null => false,
        ValueKind.Number => v.RawNumber != 0,
        ValueKind.String => v.RawString!.Length > 0 && !v.RawString.Equals("false", StringComparison.OrdinalIgnoreCase) && v.RawString != "0",
        _ => true,
    };

    public static Value Equality(Value a, Value c, bool negate)
    {
        if (a.IsNull || c.IsNull)
        {
            return Value.Null;
        }

        bool eq;
        if (a.IsBoolean || c.IsBoolean)
        {
            eq = IsTrue(a) == IsTrue(c);
        }
        else if (a.TryGetNumber(out var x) && c.TryGetNumber(out var y))
        {
            eq = x == y;
        }
        else if (a.IsMulti)
        {
            eq = false;
            var s = c.FirstString();
            foreach (var item in a.Items)
            {
                if (string.Equals(item, s, StringComparison.Ordinal))
                {
                    eq = true;
                    break;
                }
            }
        }
        else
        {
            eq = string.Equals(a.FirstString(), c.FirstString(), StringComparison.Ordinal);
        }

        return Value.FromBoolean(eq != negate);
    }

    public static Value Ordered(Value a, Value c, string op)
    {
        if (a.IsNull || c.IsNull)
        {
            return Value.Null;
        }

        var cmp = a.TryGetNumber(out var x) && c.TryGetNumber(out var y)
            ? x.CompareTo(y)
            : string.CompareOrdinal(a.FirstString(), c.FirstString());
        return Value.FromBoolean(op switch
        {
            "<" => cmp < 0,
            "<=" => cmp <= 0,
            ">" => cmp > 0,
            _ => cmp >= 0,
        });
    }
}
