using System.Text.RegularExpressions;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Store;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Detections.Running;

/// <summary>
/// Runs many detections over one stream of events in a single pass. Before reading, each
/// detection is expanded and parsed, and every place its search reads events is found: the
/// leading search of its pipeline and of every subsearch, join, append and map template
/// (with <c>$token$</c> read as <c>*</c>). During the pass, each event is tested only against the
/// searches whose cheap keys (event code, source, sourcetype, channel) it has, and is kept for the
/// detections it can match; its data model rows are computed once, for the datasets any detection
/// reads. After the pass each detection runs over its own events and the shared data model rows.
/// Memory holds what detections can match, not the whole input.
/// </summary>
public sealed partial class SharedPass
{
    private readonly DetectionEngine _engine;
    private readonly List<Plan> _plans = [];
    private readonly Dictionary<string, List<(Plan Plan, Func<Row, bool> Predicate)>> _byKey = new(StringComparer.Ordinal);
    private readonly List<(Plan Plan, Func<Row, bool> Predicate)> _unkeyed = [];
    private readonly Dictionary<DataModelDataset, List<Row>> _dataModelRows = [];
    private readonly DataModelDataset[] _datasets;
    private readonly DataModelCatalog _catalog;
    private long _events;

    private sealed class Plan(Detection detection)
    {
        public Detection Detection { get; } = detection;

        public List<Row> Events { get; } = [];

        public long Stamp { get; set; } = -1;

        public string? Error { get; set; }
    }

    public SharedPass(DetectionEngine engine, IEnumerable<Detection> detections, double now, DataModelCatalog? catalog = null)
    {
        _engine = engine;
        _catalog = catalog ?? DataModelCatalog.Cim;
        var datasets = new HashSet<DataModelDataset>();
        var ctx = new SearchContext { Now = now, Macros = engine.Content.Macros, Lookups = engine.Content.Lookups };
        foreach (var d in detections)
        {
            var plan = new Plan(d);
            _plans.Add(plan);
            var compiled = SplEngine.Compile(d.Search, ctx);
            if (!compiled.Success)
            {
                plan.Error = DetectionEngine.Describe(compiled);
                continue;
            }

            foreach (var scan in Scans(compiled.Syntax!, ctx).Select(WithoutSubsearches))
            {
                var predicate = SearchPredicateCompiler.Compile(scan, ctx, _ => []);
                var keys = ScanKeys.Required(scan);
                if (keys is null)
                {
                    _unkeyed.Add((plan, predicate));
                    continue;
                }

                foreach (var k in keys)
                {
                    if (!_byKey.TryGetValue(k, out var list))
                    {
                        _byKey[k] = list = [];
                    }

                    list.Add((plan, predicate));
                }
            }

            foreach (var name in DataModelNames(compiled.Syntax!))
            {
                if (_catalog.Resolve(name) is { } ds)
                {
                    datasets.Add(ds);
                }
            }
        }

        _datasets = [.. datasets];
        foreach (var ds in _datasets)
        {
            _dataModelRows[ds] = [];
        }
    }

    public long EventCount => _events;

    public int UnkeyedScans => _unkeyed.Count;

    /// <summary>How many events each detection keeps, most first (what the pass holds in memory).</summary>
    public IEnumerable<(string Detection, int Events, bool Keyed)> Retention() => _plans
        .Select(p => (p.Detection.Name, p.Events.Count, !_unkeyed.Any(u => ReferenceEquals(u.Plan, p))))
        .OrderByDescending(x => x.Count);

    public IEnumerable<(string Dataset, int Rows)> DataModelRowCounts() => _dataModelRows.Select(kv => (kv.Key.FullName, kv.Value.Count));

    public int KeyedScans => _byKey.Values.Sum(v => v.Count);

    private readonly List<string> _keys = [];

    /// <summary>Offers one event to every detection that could match it, and maps it to the datasets in use.</summary>
    public void Add(Row ev)
    {
        var stamp = _events++;
        foreach (var ds in _datasets)
        {
            if (DataModelMapper.Matches(ds, ev))
            {
                _dataModelRows[ds].Add(DataModelMapper.Project(ds, ev));
            }
        }

        ScanKeys.EventKeys(ev, _keys);
        foreach (var k in _keys)
        {
            if (_byKey.TryGetValue(k, out var candidates))
            {
                Offer(candidates, ev, stamp);
            }
        }

        Offer(_unkeyed, ev, stamp);
    }

    private static void Offer(List<(Plan Plan, Func<Row, bool> Predicate)> candidates, Row ev, long stamp)
    {
        foreach (var (plan, predicate) in candidates)
        {
            if (plan.Stamp == stamp || plan.Error is not null)
            {
                continue; // already kept for this detection
            }

            if (predicate(ev))
            {
                plan.Events.Add(ev);
                plan.Stamp = stamp;
            }
        }
    }

    /// <summary>
    /// Runs every detection over its events and the shared data model rows, on all cores:
    /// detections are independent, and the shared rows are only read (a detection that changes
    /// rows works on copies).
    /// </summary>
    public List<DetectionRun> Run(double now, TimeRange? range = null, int? parallelism = null)
    {
        var runs = new DetectionRun[_plans.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism ?? Environment.ProcessorCount };
        Parallel.For(0, _plans.Count, options, i =>
        {
            var plan = _plans[i];
            if (plan.Error is not null)
            {
                runs[i] = new DetectionRun(plan.Detection, [], [], [], plan.Error, plan.Detection.Search);
                return;
            }

            var view = new ViewStore(plan.Events, _dataModelRows, _catalog);
            runs[i] = _engine.Run(plan.Detection, view, now, range);
        });
        return [.. runs];
    }

    /// <summary>A superset of a search for the pass: a subsearch term (known only after it runs) may match anything.</summary>
    private static SearchExpr WithoutSubsearches(SearchExpr e) => e switch
    {
        SearchSubsearch s => new SearchAll(s.Span),
        SearchAnd a => new SearchAnd(a.Terms.Select(WithoutSubsearches).ToList(), a.Span),
        SearchOr o => new SearchOr(o.Terms.Select(WithoutSubsearches).ToList(), o.Span),
        SearchNot n when Subsearches(n.Operand).Any() => new SearchAll(n.Span),
        _ => e,
    };

    /// <summary>Every search expression with which a pipeline (or any nested one) reads events.</summary>
    private static IEnumerable<SearchExpr> Scans(Pipeline p, SearchContext ctx)
    {
        if (p.Commands.Count > 0 && p.Commands[0] is SearchCommand s)
        {
            yield return s.Expr;
        }

        foreach (var c in p.Commands)
        {
            foreach (var nested in Nested(c, ctx))
            {
                foreach (var e in Scans(nested, ctx))
                {
                    yield return e;
                }
            }

            if (c is SearchCommand sc)
            {
                foreach (var sub in Subsearches(sc.Expr))
                {
                    foreach (var e in Scans(sub, ctx))
                    {
                        yield return e;
                    }
                }
            }
        }
    }

    private static IEnumerable<Pipeline> Subsearches(SearchExpr e) => e switch
    {
        SearchSubsearch s => [s.Pipeline],
        SearchAnd a => a.Terms.SelectMany(Subsearches),
        SearchOr o => o.Terms.SelectMany(Subsearches),
        SearchNot n => Subsearches(n.Operand),
        _ => [],
    };

    [GeneratedRegex(@"\$[^$\s]+\$")]
    private static partial Regex MapToken();

    private static IEnumerable<Pipeline> Nested(Command c, SearchContext ctx)
    {
        switch (c)
        {
            case JoinCommand j:
                yield return j.Subsearch;
                break;
            case AppendCommand a:
                yield return a.Subsearch;
                break;
            case AppendPipeCommand ap:
                yield return ap.Subpipeline;
                break;
            case MapCommand m:
                {
                    // A map template's tokens take row values later; `*` stands for any of them.
                    var text = MapToken().Replace(m.Search, "*");
                    var expanded = ctx.Macros is null ? text : new MacroExpander(ctx.Macros).Expand(text).Text ?? text;
                    var parsed = SplEngine.Parse(expanded);
                    if (parsed.Success)
                    {
                        yield return parsed.Value;
                    }
                    else
                    {
                        yield return new Pipeline([new SearchCommand(new SearchAll(default), default)], default);
                    }

                    break;
                }
        }
    }

    private static IEnumerable<string> DataModelNames(Pipeline p)
    {
        foreach (var c in p.Commands)
        {
            switch (c)
            {
                case TstatsCommand t:
                    if (t.DataModel is not null)
                    {
                        yield return t.DataModel;
                    }

                    foreach (var n in NodeNames(t.Where))
                    {
                        yield return n;
                    }

                    break;
                case FromDataModelCommand f:
                    yield return f.DataModel;
                    break;
                case JoinCommand j:
                    foreach (var n in DataModelNames(j.Subsearch))
                    {
                        yield return n;
                    }

                    break;
                case AppendCommand a:
                    foreach (var n in DataModelNames(a.Subsearch))
                    {
                        yield return n;
                    }

                    break;
                case AppendPipeCommand ap:
                    foreach (var n in DataModelNames(ap.Subpipeline))
                    {
                        yield return n;
                    }

                    break;
            }
        }
    }

    private static IEnumerable<string> NodeNames(SearchExpr? e) => e switch
    {
        SearchCompare c when c.Field.Equals("nodename", StringComparison.OrdinalIgnoreCase) => [c.Value],
        SearchAnd a => a.Terms.SelectMany(NodeNames),
        SearchOr o => o.Terms.SelectMany(NodeNames),
        _ => [],
    };
}
