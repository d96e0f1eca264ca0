using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// fieldformat: "changes the appearance of the results without changing the underlying value of
/// the field" (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/fieldformat).
/// In the pipeline it passes rows through untouched, so later commands see the underlying value;
/// <see cref="CompiledSearch.Run"/> applies the formats, in order, to the rows it renders.
/// </summary>
internal sealed class FieldFormatOperator(int fieldId, CompiledExpr format, string description) : Operator
{
    public override string Describe() => description;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => input;

    /// <summary>Formats one rendered row: the expression sees the row's underlying values.</summary>
    public void Format(Row row)
    {
        var v = format(row);
        // As in eval, a boolean is not a storable value and shows as nothing.
        row.Set(fieldId, v.IsBoolean ? Value.Null : v);
    }
}
