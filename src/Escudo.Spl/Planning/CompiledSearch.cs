using Escudo.Core.Events;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;

namespace Escudo.Spl.Planning;

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
        foreach (var op in Operators)
        {
            rows = op.Execute(rows);
        }

        return rows;
    }

    /// <summary>Runs the pipeline and counts the rows leaving each stage (for explain).</summary>
    public (List<Row> Results, long[] StageCounts) RunCounting()
    {
        var counts = new long[Operators.Count];
        IEnumerable<Row> rows = [];
        for (var i = 0; i < Operators.Count; i++)
        {
            rows = Count(Operators[i].Execute(rows), counts, i);
        }

        return (rows.ToList(), counts);
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
