using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Core.DataModels;

/// <summary>
/// One field of a data model dataset: the event field it reads (same name by default), an optional
/// calculation, and the value used when the result is null or empty (CIM's calculated fields
/// default to "unknown").
/// </summary>
public sealed record DataModelField(string Name, string? Default = null, Func<Row, Value>? Calculation = null)
{
    public int EventFieldId { get; } = FieldTable.Intern(Name);
}
