namespace Escudo.Spl.Functions.Stats;

/// <summary>The stats functions by name (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/CommonStatsFunctions).</summary>
internal static class AggregateCatalog
{
    public static AggregateFunction? Find(string name)
    {
        var n = name.ToLowerInvariant();
        switch (n)
        {
            case "count":
            case "c":
                return new(n, false, () => new CountAggregator());
            case "sparkline":
                // Splunk draws a trend line in its UI; outside it the value is the marker and the count.
                return new(n, false, () => new SparklineAggregator());
            case "dc":
            case "distinct_count":
            case "estdc":
            case "estdc_error":
                return new(n, true, () => new DistinctCountAggregator());
            case "values": return new(n, true, () => new ValuesAggregator());
            case "list": return new(n, true, () => new ListAggregator());
            case "min": return new(n, true, () => new ExtremeAggregator(max: false));
            case "max": return new(n, true, () => new ExtremeAggregator(max: true));
            case "sum": return new(n, true, () => new SumAggregator());
            case "sumsq": return new(n, true, () => new SumAggregator(squares: true));
            case "avg":
            case "mean":
                return new(n, true, () => new MomentAggregator(MomentKind.Mean));
            case "stdev": return new(n, true, () => new MomentAggregator(MomentKind.SampleStdev));
            case "stdevp": return new(n, true, () => new MomentAggregator(MomentKind.PopulationStdev));
            case "var": return new(n, true, () => new MomentAggregator(MomentKind.SampleVariance));
            case "varp": return new(n, true, () => new MomentAggregator(MomentKind.PopulationVariance));
            case "range": return new(n, true, () => new RangeAggregator());
            case "median": return new(n, true, () => new PercentileAggregator(50));
            case "mode": return new(n, true, () => new ModeAggregator());
            case "first": return new(n, true, () => new FirstLastAggregator(last: false));
            case "last": return new(n, true, () => new FirstLastAggregator(last: true));
            case "earliest": return new(n, true, () => new TimeExtremeAggregator(latest: false, returnTime: false));
            case "latest": return new(n, true, () => new TimeExtremeAggregator(latest: true, returnTime: false));
            case "earliest_time": return new(n, true, () => new TimeExtremeAggregator(latest: false, returnTime: true));
            case "latest_time": return new(n, true, () => new TimeExtremeAggregator(latest: true, returnTime: true));
        }

        if (PercentileName.Parse(n) is { } p)
        {
            return new(n, true, () => new PercentileAggregator(p));
        }

        return null;
    }
}
