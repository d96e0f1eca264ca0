using Escudo.Core.Events;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// xyseries (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Xyseries): one
/// result per x-field value, with a column per y-name-field value holding its y-data-field
/// value (the last one seen when a pair repeats); results missing any of the three are left out.
/// Holds one row per x value, at most the search's MaxRowsInMemory.
/// </summary>
internal sealed class XySeriesOperator(XySeriesCommand s, long limit) : Operator
{
    private readonly int _x = FieldTable.Intern(s.XField);
    private readonly int _name = FieldTable.Intern(s.NameField);
    private readonly int _data = FieldTable.Intern(s.DataField);

    public override string Describe() => $"xyseries {s.XField} {s.NameField} {s.DataField}";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var byX = new Dictionary<string, Row>(StringComparer.Ordinal);
        var order = new List<Row>();
        foreach (var r in input)
        {
            var xValue = r.Get(_x);
            var column = r.Get(_name).FirstString();
            var value = r.Get(_data);
            if (xValue.IsNull || string.IsNullOrEmpty(column) || value.IsNull)
            {
                continue;
            }

            var key = xValue.ToDisplayString();
            if (!byX.TryGetValue(key, out var row))
            {
                if (byX.Count >= limit)
                {
                    throw new SearchLimitException($"xyseries holds more than {limit} rows; narrow the search");
                }

                row = new Row();
                row.Set(_x, xValue);
                byX[key] = row;
                order.Add(row);
            }

            row.Set(FieldTable.Intern(column), value);
        }

        return order;
    }
}
