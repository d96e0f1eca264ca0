using Escudo.Core.Storage;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// What a <c>tstats</c> offers a store that aggregates itself (<see cref="IAggregateSource"/>): its
/// where clause as a store-neutral condition and its fillnull_value; or why it offers nothing
/// (<see cref="Refused"/>), when an option changes the rows in a way no store is asked to copy.
/// </summary>
internal sealed record TstatsPushdown(ScanCondition? Condition, string? FillNull, string? Refused)
{
    public static TstatsPushdown Refuse(string why) => new(null, null, why);
}
