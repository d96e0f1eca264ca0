using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// lookup (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Lookup): rows
/// of the table whose input columns match the event's fields (exactly, or by WILDCARD/CIDR
/// match types) give their output columns; OUTPUT overwrites, OUTPUTNEW only fills absent
/// fields. Without an output list every non-input column is returned.
/// </summary>
internal sealed class LookupOperator : InPlaceOperator
{
    private readonly LookupCommand _command;
    private readonly LookupTable _table;
    private readonly (int Col, int EventId, bool Wildcard, bool Cidr)[] _inputs;
    private readonly (int Col, int EventId, string Field)[] _outputs;
    private readonly LookupMatcher _matcher;

    // Wildcard and CIDR tables try their pattern rows one by one, so the matches of each
    // distinct input are remembered: results repeat their values (process names, domains) far
    // more than the table has rows. Bounded, so a high-cardinality input cannot grow it without limit.
    private readonly Dictionary<string, List<string[]>>? _memo;

    public LookupOperator(LookupCommand l, SearchContext context)
    {
        _command = l;
        var table = _table = Find(context, l.Table, l.TableSpan);
        _inputs = l.Inputs.Select(i =>
        {
            var col = table.ColumnIndex(i.Field);
            if (col < 0)
            {
                throw new DiagnosticException(SplDiagnostics.BadArguments("lookup", i.Span, $"table `{l.Table}` has no column `{i.Field}`"));
            }

            return (Col: col, EventId: FieldTable.Intern(i.Alias ?? i.Field), Wildcard: table.WildcardColumns.Contains(i.Field), Cidr: table.CidrColumns.Contains(i.Field));
        }).ToArray();
        var inputCols = _inputs.Select(i => i.Col).ToHashSet();
        _outputs = (l.Outputs.Count > 0
            ? l.Outputs.Select(o => (Col: table.ColumnIndex(o.Field), EventId: FieldTable.Intern(o.Alias ?? o.Field), o.Field))
            : table.Columns.Select((c, i) => (Col: i, EventId: FieldTable.Intern(c), Field: c)).Where(o => !inputCols.Contains(o.Col)))
            .ToArray();
        foreach (var o in _outputs)
        {
            if (o.Col < 0)
            {
                throw new DiagnosticException(SplDiagnostics.BadArguments("lookup", l.Span, $"table `{l.Table}` has no column `{o.Field}`"));
            }
        }

        _matcher = new LookupMatcher(table, [.. _inputs.Select(i => (i.Col, i.Wildcard, i.Cidr))]);
        var patterned = table.WildcardColumns.Count > 0 || table.CidrColumns.Count > 0;
        _memo = patterned ? new Dictionary<string, List<string[]>>(StringComparer.Ordinal) : null;
    }

    /// <summary>The lookup table of that name, or a diagnostic at the name.</summary>
    internal static LookupTable Find(SearchContext context, string name, Core.Text.TextSpan span) =>
        context.Lookups?.Find(name) ?? throw new DiagnosticException(SplDiagnostics.UnknownLookup(name, span));

    public override string Describe() => "lookup " + _command.Table;

    private List<string[]> Matches(string[] values)
    {
        if (_memo is null)
        {
            return _matcher.Matches(values);
        }

        var memoKey = values.Length == 1 ? values[0] : string.Join('\u0001', values);
        if (_memo.TryGetValue(memoKey, out var known))
        {
            return known;
        }

        var found = _matcher.Matches(values);
        if (_memo.Count >= 65_536)
        {
            _memo.Clear();
        }

        _memo[memoKey] = found;
        return found;
    }

    protected override void Map(Row row)
    {
        var values = new string[_inputs.Length];
        for (var i = 0; i < _inputs.Length; i++)
        {
            var v = row.Get(_inputs[i].EventId);
            if (v.IsNull)
            {
                return;
            }

            values[i] = v.FirstString()!;
        }

        var matches = Matches(values);

        foreach (var o in _outputs)
        {
            if (_command.OutputNew && row.Has(o.EventId))
            {
                continue;
            }

            if (matches.Count == 0)
            {
                if (_table.DefaultMatch is not null)
                {
                    row.Set(o.EventId, Value.FromString(_table.DefaultMatch));
                }
                else if (!_command.OutputNew)
                {
                    row.Remove(o.EventId);
                }

                continue;
            }

            var vals = matches.Select(m => m[o.Col]).Where(s => s.Length > 0).ToList();
            row.Set(o.EventId, Value.FromMulti(vals));
        }
    }
}
