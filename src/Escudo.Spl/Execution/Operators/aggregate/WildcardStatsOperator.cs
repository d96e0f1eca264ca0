using Escudo.Core.Events;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// stats, eventstats and streamstats functions over a wildcarded field (<c>max(*delay)</c>,
/// <c>values(*)</c>, <c>avg(tcp.*) AS avg_tcp.*</c>): "the function can be applied to a field or
/// set of fields ... You can use wild card characters in field names", in the AS name too
/// (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.2/search-commands/stats).
/// Which fields a pattern names is known only from the results, so they are held (up to the
/// search's row limit), each pattern becomes one function per matching field, in name order,
/// with its AS name's stars filled from the field's, and the plain command runs over them.
/// Internal fields (a leading underscore) and the by-fields are not taken by a pattern.
/// </summary>
internal sealed class WildcardStatsOperator(StatsCommand command, Func<StatsCommand, Operator> plan, long maxRows) : Operator
{
    public static bool Applies(StatsCommand s) => s.Aggregations.Any(a => a.EvalArg is null && a.Field is { } f && f.Contains('*'));

    public override bool Mutates => command.Kind != "stats";

    public override string Describe() => $"{command.Kind} (wildcarded fields) " + string.Join(" ", command.Aggregations.Select(a => a.OutputName));

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var rows = new List<Row>();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var row in input)
        {
            if (rows.Count >= maxRows)
            {
                throw new SearchLimitException($"{command.Kind} over wildcarded fields holds more than {maxRows} results; narrow the search or name the fields");
            }

            rows.Add(row);
            for (var i = 0; i < row.Count; i++)
            {
                names.Add(row.NameAt(i));
            }
        }

        var expanded = new List<Aggregation>();
        foreach (var a in command.Aggregations)
        {
            if (a.EvalArg is not null || a.Field is not { } field || !field.Contains('*'))
            {
                expanded.Add(a);
                continue;
            }

            var pattern = new FieldPattern(field);
            foreach (var name in names)
            {
                if (!name.StartsWith('_') && !command.By.Contains(name, StringComparer.Ordinal) && pattern.IsMatch(name))
                {
                    expanded.Add(a with { Field = name, Alias = a.Alias is { } alias ? pattern.Rewrite(name, alias) : null });
                }
            }
        }

        return plan(command with { Aggregations = expanded }).Execute(rows);
    }
}
