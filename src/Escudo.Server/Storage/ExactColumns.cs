using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Server.Storage;

/// <summary>
/// The <c>exact_columns</c> flag <see cref="DuckDbStore"/> writes with each event: true when the
/// row's metadata columns hold exactly the fields the engine reads, so SQL over the columns answers
/// as the engine would over the decoded row (<see cref="DuckDbAggregateSql"/>). That is: <c>_time</c>
/// a finite number (the <c>_time</c> column); <c>index</c> a single string already in lower case
/// (the column lower-cases it, and a row without one is written as main); <c>host source
/// sourcetype EventCode</c> each absent with its column null, or a single string equal to its column
/// (<c>event_code</c> falls back to EventID, and keeps only the first of several values). Every
/// such string is printable ASCII, where DuckDB's <c>lower</c> and the engine's case-insensitive
/// comparison (OrdinalIgnoreCase) agree and DuckDB's byte order is ordinal order. Rows written
/// before the flag existed have it null, which counts as false.
/// </summary>
internal static class ExactColumns
{
    private static readonly int EventCodeId = FieldTable.Intern("EventCode");

    public static bool Of(Row row)
    {
        var time = row.Get(FieldTable.Time);
        var index = row.Get(FieldTable.Index);
        return time.Kind == ValueKind.Number && double.IsFinite(time.RawNumber)
            && index.Kind == ValueKind.String && Same(index, index.RawString!.ToLowerInvariant())
            && Same(row.Get(FieldTable.Host), row.Get(FieldTable.Host).FirstString())
            && Same(row.Get(FieldTable.Source), row.Get(FieldTable.Source).FirstString())
            && Same(row.Get(FieldTable.SourceType), row.Get(FieldTable.SourceType).FirstString())
            && Same(row.Get(EventCodeId), DuckDbStore.EventCode(row));
    }

    /// <summary>The field is absent and its column null, or a single printable ASCII string equal to the column.</summary>
    private static bool Same(Value field, string? column) =>
        field.IsNull
            ? column is null
            : field.Kind == ValueKind.String && column is not null && string.Equals(field.RawString, column, StringComparison.Ordinal) && column.All(c => c is >= ' ' and <= '~');
}
