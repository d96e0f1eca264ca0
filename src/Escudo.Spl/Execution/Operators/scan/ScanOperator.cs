using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// The leading search: asks the event source for events in the time range with the search's
/// filter pushed down, and re-applies the filter when the source did not.
/// </summary>
internal sealed class ScanOperator(IEventSource source, ScanRequest request, string description, bool copyRows) : GeneratingOperator
{
    public ScanRequest Request { get; } = request;

    /// <summary>Where the events come from.</summary>
    public IEventSource Source { get; } = source;

    /// <summary>The search expression read (for the shared pass to derive its cheap keys).</summary>
    public Syntax.Ast.SearchExpr? Expression { get; init; }

    /// <summary>The search's token, checked while reading events that the filter may all drop.</summary>
    public CancellationToken Cancellation { get; init; }

    public override string Describe() => description;

    /// <summary>This scan over rows already read with its request (map's shared read), filtered and in order.</summary>
    public ScanOperator Over(List<Row> scanned) => new(new ScannedRows(scanned), Request, description, copyRows) { Expression = Expression, Cancellation = Cancellation };

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var filter = Source.AppliesFilters ? null : Request.Filter;
        long read = 0;
        foreach (var row in Source.Scan(Request))
        {
            if (++read % SearchBudget.CheckEvery == 0)
            {
                Cancellation.ThrowIfCancellationRequested();
            }

            if (filter is not null && (!filter(row) || !Request.Time.Contains(row.Time)))
            {
                continue;
            }

            yield return copyRows ? row.CopyOnWrite() : row;
        }
    }
}

/// <summary>Rows a source already read with a scan's request, its filter and time range applied.</summary>
internal sealed class ScannedRows(List<Row> rows) : IEventSource
{
    public bool AppliesFilters => true;

    public IEnumerable<Row> Scan(ScanRequest request) => rows;
}
