using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Eval;

internal static partial class FunctionCatalog
{
    private static void RegisterMath()
    {
        Scalar("abs", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Abs(d)) : Value.Null);
        Scalar("ceiling", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Ceiling(d)) : Value.Null);
        Scalar("ceil", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Ceiling(d)) : Value.Null);
        Scalar("floor", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Floor(d)) : Value.Null);
        Scalar("round", 1, 2, (a, _) =>
        {
            if (!Num(a[0], out var d))
            {
                return Value.Null;
            }

            var digits = a.Length > 1 && Num(a[1], out var p) ? p : 0;
            if (double.IsNaN(digits) || digits > MaxRoundDigits)
            {
                // A double holds 17 significant digits; more decimals than this are only zeros to display.
                return Value.Null;
            }

            return Round(d, (int)digits);
        });
        Scalar("pow", 2, 2, (a, _) => Num(a[0], out var x) && Num(a[1], out var y) ? Value.FromNumber(Math.Pow(x, y)) : Value.Null);
        Scalar("sqrt", 1, 1, (a, _) => Num(a[0], out var d) && d >= 0 ? Value.FromNumber(Math.Sqrt(d)) : Value.Null);
        Scalar("exp", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Exp(d)) : Value.Null);
        Scalar("ln", 1, 1, (a, _) => Num(a[0], out var d) && d > 0 ? Value.FromNumber(Math.Log(d)) : Value.Null);
        Scalar("log", 1, 2, (a, _) => Num(a[0], out var d) && d > 0 ? Value.FromNumber(a.Length > 1 && Num(a[1], out var b) ? LogBase(d, b) : Math.Log10(d)) : Value.Null);
        Scalar("pi", 0, 0, (_, _) => Value.FromNumber(Math.PI));
        Special("sigfig", 1, 1, (args, c) => SignificantFigures.Compile(args[0], c));
        // exact(X) "renders the result of a numeric expression with a larger amount of precision": the
        // engine keeps every digit of a double already, so it is the expression's own value
        // (exact(3 * 0.5) is 1.5: https://wiki.splunk.com/Community:BadMath).
        Special("exact", 1, 1, (args, c) => c.Compile(args[0]));
        Scalar("random", 0, 0, (_, _) => Value.FromNumber(Random.Shared.Next()));
        Scalar("min", 1, int.MaxValue, (a, _) => Extreme(a, -1));
        Scalar("max", 1, int.MaxValue, (a, _) => Extreme(a, 1));
    }

    /// <summary>min()/max() over arguments: numbers compare numerically and win over strings; strings compare lexicographically.</summary>
    /// <summary>
    /// eval min/max: "strings are greater than numbers", so max returns the greatest string when
    /// there is one and min the smallest number when there is one; strings compare
    /// lexicographically, numbers numerically.
    /// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/StatisticalFunctions
    /// </summary>
    private static double LogBase(double d, double b) => b switch
    {
        10 => Math.Log10(d),
        2 => Math.Log2(d),
        _ => Math.Log(d) / Math.Log(b),
    };

    private static Value Extreme(Value[] args, int sign)
    {
        var num = double.NaN;
        string? str = null;
        foreach (var arg in args)
        {
            if (arg.IsNumber)
            {
                num = double.IsNaN(num) || arg.RawNumber.CompareTo(num) * sign > 0 ? arg.RawNumber : num;
                continue;
            }

            foreach (var item in arg.Items)
            {
                if (Value.TryParseNumber(item, out var d))
                {
                    num = double.IsNaN(num) || d.CompareTo(num) * sign > 0 ? d : num;
                }
                else if (str is null || string.CompareOrdinal(item, str) * sign > 0)
                {
                    str = item;
                }
            }
        }

        var preferString = sign > 0 ? str is not null : double.IsNaN(num);
        return preferString ? Value.FromString(str) : Value.FromNumber(num);
    }
}
