using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// A compiled search run push-wise: rows are fed one at a time while the input is read, and only
/// the state of its first stats is kept. It applies to the shapes most detections have:
/// <c>search ... | (where|eval|rex|rename|lookup|...)* | stats ... | rest</c> and
/// <c>| tstats ... | rest</c>. The rest runs over the stats results at <see cref="Finish"/>, so
/// memory is the number of groups, not the number of events matched. The results are the ones
/// <see cref="CompiledSearch.Run"/> gives over the same rows in the same order.
/// </summary>
public sealed class StreamingPipeline
{
    private readonly Func<Row, bool>? _filter;
    private readonly Core.Time.TimeRange _time;
    private readonly TstatsOperator? _tstats;
    private readonly IRowStep[] _prefix;
    private readonly bool _copy;
    private readonly StatsOperator.Accumulator _stats;
    private readonly Operator[] _rest;
    private readonly List<StreamingPipeline> _children = [];
    private readonly SearchBudget _budget;
    private long _pushed;

    private StreamingPipeline(SearchBudget budget, ScanOperator? scan, TstatsOperator? tstats, IRowStep[] prefix, StatsOperator stats, Operator[] rest, IReadOnlyList<Syntax.Ast.Command>? restCommands)
    {
        _budget = budget;
        Scan = scan?.Expression;
        _filter = scan?.Request.Filter;
        _time = scan?.Request.Time ?? Core.Time.TimeRange.All;
        _tstats = tstats;
        _prefix = prefix;
        _copy = prefix.Any(p => ((Operator)p).Mutates);
        _stats = stats.Begin();
        _rest = rest;
        if (restCommands is not null && restCommands.Count == rest.Length && GroupPushdown.Steps(stats, rest, restCommands) is { Length: > 0 } steps)
        {
            PushedFilters = steps.Count(x => x is FilterOperator);
            var byIds = stats.ByNames.Select(FieldTable.Intern).ToArray();
            _stats.GroupFilter = key => GroupPushdown.Keeps(byIds, key, steps);
        }
    }

    /// <summary>The data model dataset whose rows this pipeline reads, or null when it reads events.</summary>
    public DataModelDataset? Dataset => _tstats?.Dataset;

    /// <summary>What a row must have to be taken (leading search or tstats where), for prefilters.</summary>
    public Syntax.Ast.SearchExpr? Condition => _tstats is not null ? _tstats.Where : Scan;

    /// <summary>The leading search's expression, for a pipeline that reads events.</summary>
    public Syntax.Ast.SearchExpr? Scan { get; }

    /// <summary>This pipeline and the streamed subsearches of its joins and appends, each fed on its own.</summary>
    public IEnumerable<StreamingPipeline> AllStreams() => _children.SelectMany(c => c.AllStreams()).Prepend(this);

    /// <summary>Filters after the stats that were also applied to each new group's by-field values (see <see cref="GroupPushdown"/>).</summary>
    public int PushedFilters { get; }

    /// <summary>Groups held so far.</summary>
    public int GroupCount => _stats.GroupCount;

    /// <summary>Groups written to disk so far (see <see cref="Spill"/>).</summary>
    public long SpilledGroups => _stats.SpilledGroups;

    /// <summary>Writes the groups held to disk, to be merged back at <see cref="Finish"/>; the results do not change.</summary>
    public void Spill(SpillDirectory directory) => _stats.Spill(directory);

    /// <summary>Up to this many group states in all, spilled groups are merged back in memory; past it, through sorted runs on disk.</summary>
    public long MergeInMemoryUpTo
    {
        get => _stats.MergeInMemoryUpTo;
        set => _stats.MergeInMemoryUpTo = value;
    }

    /// <summary>A streaming form of the search, or null when its shape needs every row kept (no stats, or a blocking command before it).</summary>
    public static StreamingPipeline? TryCreate(CompiledSearch search) => TryCreate(search, out _);

    /// <inheritdoc cref="TryCreate(CompiledSearch)"/>
    /// <param name="blocker">Why not, when it cannot: the command that needs every row.</param>
    public static StreamingPipeline? TryCreate(CompiledSearch search, out string? blocker)
    {
        var ops = search.Operators;
        blocker = null;
        if (ops.Count == 0)
        {
            blocker = "empty search";
            return null;
        }

        if (ops[0] is TstatsOperator t)
        {
            return WithSubsearches(new StreamingPipeline(search.Context.Budget, null, t, [], t.Stats, [.. ops.Skip(1)], RestCommands(search, 1)), out blocker);
        }

        if (ops[0] is not ScanOperator scan)
        {
            blocker = ops[0].Describe();
            return null;
        }

        var i = 1;
        while (i < ops.Count && ops[i] is IRowStep)
        {
            i++;
        }

        if (i == ops.Count || ops[i] is not StatsOperator { IsStats: true } stats)
        {
            blocker = i == ops.Count ? "no stats" : ops[i].Describe();
            return null;
        }

        return WithSubsearches(new StreamingPipeline(search.Context.Budget, scan, null, [.. ops.Skip(1).Take(i - 1).Cast<IRowStep>()], stats, [.. ops.Skip(i + 1)], RestCommands(search, i + 1)), out blocker);
    }

    /// <summary>The commands after the stats, when the pipeline has one operator per command.</summary>
    private static IReadOnlyList<Syntax.Ast.Command>? RestCommands(CompiledSearch search, int from) =>
        search.Syntax is { } p && p.Commands.Count == search.Operators.Count ? [.. p.Commands.Skip(from)] : null;

    /// <summary>
    /// Streams the subsearches of the joins and appends after the stats too (a subsearch runs on
    /// its own, so its results do not depend on the main search): each gives its finished results
    /// to its command. When one cannot be streamed, neither can the search.
    /// </summary>
    private static StreamingPipeline? WithSubsearches(StreamingPipeline p, out string? blocker)
    {
        blocker = null;
        foreach (var op in p._rest)
        {
            if (op.Nested is { } nested)
            {
                if (nested.Search.Operators.Count == 0 || nested.Search.Operators[0] is not (ScanOperator or TstatsOperator))
                {
                    continue; // a subsearch that reads no events (inputlookup, makeresults) runs as it is
                }

                var child = TryCreate(nested.Search, out var childBlocker);
                if (child is null)
                {
                    blocker = "subsearch: " + childBlocker;
                    return null;
                }

                nested.Run = child.Finish;
                p._children.Add(child);
            }
        }

        return p;
    }

    /// <summary>Offers one event (or, for tstats, one row of <see cref="Dataset"/>); shared rows are copied before anything changes them.</summary>
    public void Push(Row row)
    {
        if (++_pushed % SearchBudget.CheckEvery == 0)
        {
            _budget.ThrowIfCancelled();
        }

        if (_tstats is not null)
        {
            if (_tstats.Prepare(row) is { } prepared)
            {
                _stats.Add(prepared);
            }

            return;
        }

        if ((_filter is not null && !_filter(row)) || (!_time.IsAll && !_time.Contains(row.Time)))
        {
            return;
        }

        var r = _copy ? row.CopyOnWrite() : row;
        foreach (var step in _prefix)
        {
            if (!step.Apply(r))
            {
                return;
            }
        }

        _stats.Add(r);
    }

    /// <summary>Forgets the state of this pipeline and its subsearches' once its results have been read, so a finished detection holds only its results.</summary>
    public void Release()
    {
        foreach (var s in AllStreams())
        {
            s._stats.Release();
        }
    }

    /// <summary>The search's results: the stats groups, through the commands after stats.</summary>
    public IEnumerable<Row> Finish()
    {
        IEnumerable<Row> rows = _stats.Results();
        foreach (var op in _rest)
        {
            rows = op.Execute(rows);
        }

        return rows;
    }
}
