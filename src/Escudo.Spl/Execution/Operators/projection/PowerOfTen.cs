using Escudo.Core.Values;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// Bins whose width is a power of ten, 10^k, for a bin without span= (<see cref="InferredSpanBinOperator"/>).
/// Below 1 the width is applied in decimal: in doubles 0.29 * 100 is 28.999999999999996 and would put
/// 0.29 in the bin 0.28-0.29.
/// </summary>
internal static class PowerOfTen
{
    private const int MaxExponent = 308;
    private const int MinExponent = -28; // decimal's scale

    /// <summary>The smallest k whose bins of 10^k over [low, high] number at most maxBins; null when low equals high (every k qualifies).</summary>
    public static int? Smallest(double low, double high, int maxBins)
    {
        if (!(high > low))
        {
            return null;
        }

        // A width below (high - low) / maxBins cannot do (the bins must cover the range), so start
        // one power under it and step up.
        var k = (int)Math.Clamp(Math.Floor(Math.Log10((high - low) / maxBins)) - 1, MinExponent, MaxExponent);
        while (k < MaxExponent && Units(high, k) - Units(low, k) + 1 > maxBins)
        {
            k++;
        }

        return k;
    }

    /// <summary>The bin of <paramref name="v"/> written "low-high", as bin shows a number's bin.</summary>
    public static string Range(double v, int k)
    {
        var units = Units(v, k);
        if (k < 0 && Decimal(units, k) is { } lowDec && Decimal(units + 1, k) is { } highDec)
        {
            return Value.FromNumber((double)lowDec).ToDisplayString() + "-" + Value.FromNumber((double)highDec).ToDisplayString();
        }

        var width = Math.Pow(10, k);
        return Value.FromNumber(units * width).ToDisplayString() + "-" + Value.FromNumber((units + 1) * width).ToDisplayString();
    }

    /// <summary>floor(v / 10^k): how many whole widths lie below v.</summary>
    private static double Units(double v, int k)
    {
        if (k >= 0)
        {
            return Math.Floor(v / Math.Pow(10, k));
        }

        try
        {
            return (double)decimal.Floor((decimal)v * Pow10(-k));
        }
        catch (OverflowException)
        {
            return Math.Floor(v * Math.Pow(10, -k));
        }
    }

    private static decimal? Decimal(double units, int k)
    {
        try
        {
            return (decimal)units / Pow10(-k);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static decimal Pow10(int n)
    {
        var p = 1m;
        for (var i = 0; i < n; i++)
        {
            p *= 10;
        }

        return p;
    }
}
