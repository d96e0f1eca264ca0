using Escudo.Spl.Execution;

namespace Escudo.Spl.Functions.Eval;

/// <summary>
/// How large one eval value may grow. A few functions build output far larger than their input
/// (printf widths, replace, mvrange, repeated concatenation), so one short search could ask for
/// gigabytes and end the process with OutOfMemory. Past these limits the search stops with an
/// error naming the function and the limit, as Splunk stops a search whose eval fails.
/// </summary>
internal static class ValueLimits
{
    /// <summary>Characters in one string value (or in all values of one multivalue): 10 million, about 20 MB.</summary>
    public const int MaxStringLength = 10_000_000;

    /// <summary>Width or precision of one printf conversion.</summary>
    public const int MaxPrintfWidth = 100_000;

    /// <summary>Values in one multivalue that mvrange builds.</summary>
    public const int MaxRangeValues = 10_000;

    /// <summary>The stopping error for a value of <paramref name="length"/> characters.</summary>
    public static SearchLimitException TooLong(string function, long length) =>
        new($"Error in 'eval': `{function}` would build a value of {length:N0} characters, more than the limit of {MaxStringLength:N0}");

    /// <summary>Throws <see cref="TooLong"/> when <paramref name="length"/> is over the limit.</summary>
    public static void Check(string function, long length)
    {
        if (length > MaxStringLength)
        {
            throw TooLong(function, length);
        }
    }
}
