using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Ingest.Windows;

/// <summary>
/// One calculated field of a Splunk add-on, as data: which events it applies to (channel and
/// event codes), the field it sets, how it computes the value from the event's raw fields, and
/// where the rule comes from (see shared/reference/FIELD_MAPPING.md). Rules never overwrite a
/// field that an earlier rule (or the raw event) already set, as Splunk's first extraction wins.
/// </summary>
internal sealed record FieldRule(string Source, int[]? EventCodes, string Target, Func<Row, Value> Compute, string Evidence)
{
    public int TargetId { get; } = FieldTable.Intern(Target);

    public bool AppliesTo(int eventCode) => EventCodes is null || Array.IndexOf(EventCodes, eventCode) >= 0;
}
