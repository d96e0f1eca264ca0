using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// The stats a store runs itself (<see cref="IAggregateSource"/>): the aggregations described as
/// calls, and the groups the store returns emitted as <see cref="Emit"/> emits its own (sorted by
/// group values, one row per group, each with its evidence; one row over no input without by fields).
/// </summary>
internal sealed partial class StatsOperator
{
    /// <summary>The group limit this stats enforces.</summary>
    public long MaxGroupCount => maxGroups;

    /// <summary>The aggregations as calls a store may run; null when one reads an eval expression (which no store is asked to evaluate).</summary>
    public IReadOnlyList<AggregateCall>? PushableCalls()
    {
        var calls = new List<AggregateCall>(aggregations.Count);
        foreach (var a in aggregations)
        {
            if (a.InputIsCondition || (a.Input is not null && a.InputField is null))
            {
                return null;
            }

            calls.Add(new AggregateCall(a.Function.Name, a.InputField));
        }

        return calls;
    }

    /// <summary>
    /// This stats over the events of a leading search (<paramref name="scan"/>): the groups as the
    /// store aggregated them when it takes the request, else <paramref name="scanned"/> aggregated
    /// here. Nothing is asked or read until the rows are.
    /// </summary>
    public IEnumerable<Row> ExecuteAfter(ScanOperator scan, IEventAggregateSource store, IEnumerable<Row> scanned)
    {
        var groups = PushableCalls() is { } calls
            ? store.AggregateEvents(new AggregateRequest(scan.Request.Time, scan.Request.Condition, [.. ByNames], calls, null, Evidence.Limit, maxGroups))
            : null;
        foreach (var row in groups is null ? Execute(scanned) : EmitPushed(groups))
        {
            yield return row;
        }
    }

    /// <summary>The rows of the groups a store aggregated, exactly as this operator emits its own.</summary>
    public IEnumerable<Row> EmitPushed(IReadOnlyList<AggregateGroup> groups)
    {
        if (groups.Count > maxGroups)
        {
            throw new SearchLimitException($"{kind} holds more than {maxGroups} groups; narrow the search or raise the memory limit");
        }

        if (groups.Count == 0)
        {
            return Emit(new Dictionary<Value[], Group>(GroupKeyComparer.Instance));
        }

        var ordered = groups.ToList();
        ordered.Sort((a, b) => CompareKeys(a.Key, b.Key));
        return ordered.Select(g =>
        {
            var row = new Row(byIds.Count + aggregations.Count) { Evidence = g.Evidence };
            for (var i = 0; i < byIds.Count; i++)
            {
                row.Set(byIds[i], g.Key[i]);
            }

            for (var i = 0; i < aggregations.Count; i++)
            {
                row.Set(aggregations[i].OutputId, g.Results[i]);
            }

            return row;
        });
    }
}
