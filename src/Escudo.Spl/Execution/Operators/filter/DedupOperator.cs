using Escudo.Core.Events;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>dedup: keeps the first N rows for each combination of the fields; rows missing a field are dropped unless keepempty=true.</summary>
internal sealed class DedupOperator(DedupCommand d, SearchContext context) : Operator
{
    private readonly int[] _ids = d.Fields.Select(FieldTable.Intern).ToArray();
    private readonly IComparer<Row>? _sortBy = d.SortBy.Count > 0 ? SortOperator.RowComparer(d.SortBy) : null;

    public override string Describe() => "dedup " + string.Join(" ", d.Fields);

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => _sortBy is null ? Run(input) : Sorted(Run(input), _sortBy);

    private IEnumerable<Row> Run(IEnumerable<Row> rows)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var r in rows)
        {
            var key = RowKey.Of(r, _ids);
            if (key is null)
            {
                if (d.KeepEmpty)
                {
                    yield return r;
                }

                continue;
            }

            if (d.Consecutive)
            {
                if (key != previous)
                {
                    yield return r;
                }

                previous = key;
                continue;
            }

            seen.TryGetValue(key, out var n);
            if (n < d.Count)
            {
                seen[key] = n + 1;
                if (n == 0)
                {
                    // Every combination seen is kept to the end: one entry against the row limit.
                    context.Budget.CheckHeld(seen.Count, "dedup");
                }

                yield return r;
            }
        }
    }

    private IEnumerable<Row> Sorted(IEnumerable<Row> rows, IComparer<Row> comparer)
    {
        using var held = context.Budget.Hold("dedup sortby");
        held.AddAll(rows);
        held.Emitting();
        foreach (var r in held.Rows.Order(comparer))
        {
            yield return r;
        }
    }
}
