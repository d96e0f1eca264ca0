using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// tstats over one data model dataset
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Tstats): the dataset's
/// rows in the time range that pass the where clause, with fillnull_value and span applied, are
/// aggregated by <see cref="Stats"/>. <see cref="Prepare"/> is the per-row part, so the shared pass
/// can feed rows one at a time while it reads.
/// </summary>
internal sealed class TstatsOperator(
    IDataModelSource? source,
    DataModelDataset dataset,
    Func<Row, bool>? filter,
    TimeRange time,
    int[] byIds,
    Value fillValue,
    double? span,
    StatsOperator stats,
    string description) : GeneratingOperator
{
    public DataModelDataset Dataset { get; } = dataset;

    public StatsOperator Stats { get; } = stats;

    /// <summary>The where clause without nodename (what <see cref="Prepare"/> tests), for the shared pass's prefilter.</summary>
    public Syntax.Ast.SearchExpr? Where { get; init; }

    /// <summary>The search's token, checked while reading rows that the where clause may all drop.</summary>
    public CancellationToken Cancellation { get; init; }

    public override string Describe() => description;

    /// <summary>What this tstats offers a store that aggregates itself; null offers nothing.</summary>
    public TstatsPushdown? Pushdown { get; init; }

    public override IEnumerable<Row> Execute(IEnumerable<Row> input) => Run();

    private IEnumerable<Row> Run()
    {
        // The store's own aggregate when it takes the request (exactly the engine's groups), else the rows aggregated here.
        var rows = Pushed() ?? Stats.Execute(Source());
        foreach (var row in rows)
        {
            yield return row;
        }
    }

    /// <summary>The groups as the store aggregated them, or null when the store refuses (or is not asked).</summary>
    private IEnumerable<Row>? Pushed()
    {
        if (source is not IAggregateSource store || Pushdown is not { Refused: null } offer || Stats.PushableCalls() is not { } calls)
        {
            return null;
        }

        var request = new AggregateRequest(time, offer.Condition, [.. Stats.ByNames], calls, offer.FillNull, Evidence.Limit, Stats.MaxGroupCount);
        return store.Aggregate(Dataset, request) is { } groups ? Stats.EmitPushed(groups) : null;
    }

    /// <summary>The row as this tstats aggregates it, or null when the where clause or the time range drop it.</summary>
    public Row? Prepare(Row row)
    {
        if (filter is not null && !filter(row))
        {
            return null;
        }

        if (!time.IsAll && !time.Contains(row.Time))
        {
            return null;
        }

        // Copy a shared data model row only when this search must change it.
        if (span is null && (fillValue.IsNull || !MissesAny(row, byIds)))
        {
            return row;
        }

        var r = row.CopyOnWrite();
        if (!fillValue.IsNull)
        {
            foreach (var id in byIds)
            {
                if (!r.Has(id))
                {
                    r.Set(id, fillValue);
                }
            }
        }

        if (span is { } s && s > 0)
        {
            r.Set(FieldTable.Time, Value.FromNumber(Math.Floor(r.Time / s) * s));
        }

        return r;
    }

    private IEnumerable<Row> Source()
    {
        if (source is null)
        {
            yield break;
        }

        // The where clause's necessary text lets a store with lexicons hand over fewer rows.
        var request = new ScanRequest(time, filter) { RequiredLiterals = NecessaryLiterals.Of(Where) };
        long read = 0;
        foreach (var row in source.Rows(Dataset, request))
        {
            if (++read % SearchBudget.CheckEvery == 0)
            {
                Cancellation.ThrowIfCancellationRequested();
            }

            if (Prepare(row) is { } r)
            {
                yield return r;
            }
        }
    }

    private static bool MissesAny(Row row, int[] ids)
    {
        foreach (var id in ids)
        {
            if (!row.Has(id))
            {
                return true;
            }
        }

        return false;
    }
}
