namespace Escudo.Spl.Execution.Operators;

/// <summary>streamstats options (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Streamstats).</summary>
internal sealed record StreamStatsOptions(int Window, bool Current, bool Global, double? TimeWindow, bool ResetOnChange, CompiledExpr? ResetBefore, CompiledExpr? ResetAfter)
{
    public static readonly StreamStatsOptions Default = new(0, true, true, null, false, null, null);
}
