using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>inputlookup: the table's rows (those matching where), instead of the input or, with append=true, after it.</summary>
internal sealed class InputLookupOperator(InputLookupCommand i, SearchContext context) : Operator
{
    private readonly LookupTable _table = LookupOperator.Find(context, i.Table, i.TableSpan);
    private readonly Func<Row, bool>? _filter = i.Where is null ? null : SearchPredicateCompiler.Compile(i.Where, context);

    public override bool Generates => !i.Append;

    public override string Describe() => "inputlookup " + i.Table;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => i.Append ? input.Concat(Rows()) : Rows();

    private IEnumerable<Row> Rows()
    {
        var ids = _table.Columns.Select(FieldTable.Intern).ToArray();
        foreach (var tr in _table.Rows)
        {
            var row = new Row(ids.Length);
            for (var c = 0; c < ids.Length && c < tr.Length; c++)
            {
                if (tr[c].Length > 0)
                {
                    row.Set(ids[c], Value.FromString(tr[c]));
                }
            }

            if (_filter is null || _filter(row))
            {
                yield return row;
            }
        }
    }
}
