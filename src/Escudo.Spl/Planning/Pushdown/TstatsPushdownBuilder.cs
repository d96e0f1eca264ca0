using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning.Pushdown;

/// <summary>
/// The part of a <c>tstats</c> a store may aggregate itself
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Tstats): the where clause
/// (without nodename) as a <see cref="Core.Storage.ScanCondition"/>, and fillnull_value. Refused
/// outright: <c>span</c> (binned times) and <c>prestats=t</c> (Splunk's prestats output is for a
/// later stats command, not rows to compare); summariesonly changes nothing here, since every
/// data-model row a store holds is summarized.
/// </summary>
internal static class TstatsPushdownBuilder
{
    public static TstatsPushdown Of(SearchExpr? where, string? fillNull, double? span, IReadOnlyDictionary<string, string> options)
    {
        if (span is not null)
        {
            return TstatsPushdown.Refuse("span");
        }

        if (options.TryGetValue("prestats", out var prestats) && !prestats.Equals("false", StringComparison.OrdinalIgnoreCase) && !prestats.Equals("f", StringComparison.OrdinalIgnoreCase) && prestats != "0")
        {
            return TstatsPushdown.Refuse("prestats");
        }

        return new TstatsPushdown(where is null ? null : ScanConditionBuilder.From(where), fillNull, null);
    }
}
