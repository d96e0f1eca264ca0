using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Spl.Execution.Operators;

/// <summary>A planned search: a chain of operators ready to run against its context.</summary>
public sealed class CompiledSearch(string text, IReadOnlyList<Operator> operators, SearchContext context)
{
    /// <summary>The search after macro expansion.</summary>
    public string Text { get; } = text;

    public IReadOnlyList<Operator> Operators { get; } = operators;

    /// <summary>The parsed pipeline, one command per operator.</summary>
    public Syntax.Ast.Pipeline? Syntax { get; init; }

    public SearchContext Context { get; } = context;

    public IEnumerable<Row> Run()
    {
        IEnumerable<Row> rows = [];
        var first = 0;
        if (Operators is [ScanOperator { Source: IEventAggregateSource store } scan, StatsOperator { IsStats: true } stats, ..])
        {
            // A store that aggregates events itself may answer the leading search and its stats in one query.
            rows = Guard(stats, stats.ExecuteAfter(scan, store, Guard(scan, scan.Execute(rows), Context.Budget)), Context.Budget);
            first = 2;
        }

        for (var i = first; i < Operators.Count; i++)
        {
            rows = Guard(Operators[i], Operators[i].Execute(rows), Context.Budget);
        }

        return Render(rows);
    }

    /// <summary>
    /// Applies the search's fieldformat commands to the rows it returns: they change how a field
    /// looks when the results render, never what the commands after them see. Each row is copied
    /// first, since a result may still be a shared event.
    /// </summary>
    private IEnumerable<Row> Render(IEnumerable<Row> rows)
    {
        var formats = Operators.OfType<FieldFormatOperator>().ToArray();
        if (formats.Length == 0)
        {
            return rows;
        }

        return rows.Select(r =>
        {
            var copy = r.CopyOnWrite();
            foreach (var f in formats)
            {
                f.Format(copy);
            }

            return copy;
        });
    }

    /// <summary>
    /// Every operator's output goes through here: the search's cancellation (time limit, client
    /// gone, Ctrl-C) is checked every few rows between any two stages, so CPU-bound work stops
    /// too; and a generating command (makeresults, inputlookup, ...) may make only as many rows as
    /// the search may hold.
    /// </summary>
    private static IEnumerable<Row> Guard(Operator op, IEnumerable<Row> rows, SearchBudget budget)
    {
        budget.ThrowIfCancelled();
        var generates = op.Generates || (op is GeneratingOperator && op is not (ScanOperator or TstatsOperator));
        long n = 0;
        foreach (var r in rows)
        {
            if (++n % SearchBudget.CheckEvery == 0)
            {
                budget.ThrowIfCancelled();
            }

            if (generates)
            {
                budget.Generated(n, op.Describe());
            }

            yield return r;
        }
    }

    /// <summary>Runs the pipeline and counts the rows leaving each stage (for explain).</summary>
    public (List<Row> Results, long[] StageCounts) RunCounting()
    {
        var counts = new long[Operators.Count];
        IEnumerable<Row> rows = [];
        for (var i = 0; i < Operators.Count; i++)
        {
            rows = Count(Guard(Operators[i], Operators[i].Execute(rows), Context.Budget), counts, i);
        }

        return (Render(rows).ToList(), counts);
    }

    private static IEnumerable<Row> Count(IEnumerable<Row> rows, long[] counts, int i)
    {
        foreach (var r in rows)
        {
            counts[i]++;
            yield return r;
        }
    }

    public string Describe() => string.Join('\n', Operators.Select((o, i) => $"{i + 1}. {o.Describe()}"));
}
