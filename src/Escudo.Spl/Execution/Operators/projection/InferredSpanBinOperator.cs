using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// <c>bin [bins=N] [start=a] [end=b] field</c> without <c>span=</c>: the span is inferred from the
/// values. The rule, from Splunk's documentation:
/// <list type="bullet">
/// <item>bins "sets the maximum number of bins to discretize into", "Default: 100"; start/end "can
/// only expand the range, not shorten it", and are "used when a span value is not specified" (Bin,
/// https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/search-commands/bin);</item>
/// <item>the span is "the least power of 10 to use for the span, 1, 10, 100, 1000 (or .1, .01, .001)",
/// as in "[0..59] with bins=5 ... will fall into a 1 bin: [0-100]" (Search Manual, "Search using time
/// bins and spans", https://docs.splunk.com/Documentation/Splunk/8.1.0/Search/Usingbinsandtimespans);</item>
/// <item>"the search finds the smallest bin size that results in no more than [bins] distinct bins"
/// (Chart, bins option): the power of ten is the smallest whose bins over [low, high] number no more
/// than N.</item>
/// </list>
/// Like every bin without a span it is a dataset command: it holds the rows (within the search's row
/// budget) to see every value first. Where all values are equal no smallest power exists and nothing
/// documents the span, so the values are left as they are with a warning.
/// </summary>
internal sealed class InferredSpanBinOperator(BinCommand b, SearchContext context) : Operator
{
    /// <summary>The limits.conf [discretize] default the Bin page gives.</summary>
    public const int DefaultMaxBins = 100;

    private readonly int _from = FieldTable.Intern(b.Field);
    private readonly int _to = FieldTable.Intern(b.Alias ?? b.Field);
    private readonly int _maxBins = b.MaxBins ?? DefaultMaxBins;

    public override bool Mutates => true;

    public override string Describe() => $"bin {b.Field} bins={_maxBins}";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        using var held = context.Budget.Hold("bin");
        held.AddAll(input);
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (var row in held.Rows)
        {
            if (row.Get(_from).TryGetNumber(out var v) && double.IsFinite(v))
            {
                (low, high) = (Math.Min(low, v), Math.Max(high, v));
            }
        }

        if (low <= high)
        {
            // start/end widen the range and never narrow it.
            (low, high) = (Math.Min(low, b.Start ?? low), Math.Max(high, b.End ?? high));
            if (PowerOfTen.Smallest(low, high, _maxBins) is { } exponent)
            {
                foreach (var row in held.Rows)
                {
                    if (row.Get(_from).TryGetNumber(out var v) && double.IsFinite(v))
                    {
                        row.Set(_to, Value.FromString(PowerOfTen.Range(v, exponent)));
                    }
                }
            }
            else
            {
                context.Warn("SPL2006", $"bin {b.Field}: every value is {Value.FromNumber(low).ToDisplayString()}, and the documentation does not say which span Splunk infers then; give span= to bin them");
            }
        }

        held.Emitting();
        foreach (var row in held.Rows)
        {
            yield return row;
        }
    }
}
