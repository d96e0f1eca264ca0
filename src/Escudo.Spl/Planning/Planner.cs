using Escudo.Core.DataModels;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Functions.Stats;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning;

/// <summary>
/// Turns a parsed pipeline into operators: the leading search becomes a scan with its filter
/// pushed to the event source, predicates and expressions are compiled to delegates, and
/// commands that cannot run are reported with a diagnostic (never a crash).
/// </summary>
internal sealed partial class Planner(SearchContext context)
{
    public SearchContext Context { get; } = context;

    private ExpressionCompiler? _compiler;

    private string _text = string.Empty;

    private ExpressionCompiler Compiler => _compiler ??= new ExpressionCompiler(Context);

    /// <summary>Plans a pipeline; throws <see cref="DiagnosticException"/> for anything that cannot be planned.</summary>
    public CompiledSearch Plan(Pipeline pipeline, string text)
    {
        _text = text;
        var ops = new List<Operator>();
        for (var i = 0; i < pipeline.Commands.Count; i++)
        {
            var cmd = pipeline.Commands[i];
            ops.Add(i == 0 ? PlanFirst(cmd, pipeline) : PlanCommand(cmd));
        }

        return new CompiledSearch(text, ops, Context) { Syntax = pipeline };
    }

    private Operator PlanFirst(Command cmd, Pipeline pipeline)
    {
        if (cmd is SearchCommand search)
        {
            var copy = pipeline.Commands.Skip(1).Any(Mutates);
            var filter = SearchPredicateCompiler.Compile(search.Expr, Context, RunSubsearch);
            var request = new ScanRequest(Context.TimeRange, filter, search.Expr is SearchAll ? null : SearchText(search)) { RequiredKeys = ScanKeys.Required(search.Expr), RequiredLiterals = NecessaryLiterals.Of(search.Expr), Condition = Pushdown.ScanConditionBuilder.From(search.Expr), Fields = ScanFields.Of(pipeline) };
            return new ScanOperator(Context.Events, request, $"scan events where {SearchText(search)}", copy) { Expression = search.Expr, Cancellation = Context.Cancellation };
        }

        // A non-generating first command (e.g. `| eval x=1`) runs over no events, as in Splunk.
        return PlanCommand(cmd);
    }

    private static bool Mutates(Command c) => c is not (SearchCommand or WhereCommand or StatsCommand { Kind: "stats" } or HeadCommand or TailCommand or SortCommand or DedupCommand or RegexCommand or TstatsCommand or ReverseCommand or UniqCommand or TopCommand);

    /// <summary>The search command's own text (after macro expansion), handed to stores as the pushdown filter.</summary>
    private string SearchText(SearchCommand c)
    {
        var span = c.Expr.Span;
        if (span.Length == 0 || span.End > _text.Length)
        {
            return "*";
        }

        return _text.Substring(span.Start, span.Length).Trim();
    }

    internal IReadOnlyList<Row> RunSubsearch(Pipeline p)
    {
        // A subsearch returns at most 10,000 results (Splunk's default maxout); the rest are
        // dropped with a warning, as Splunk does.
        var sub = new Planner(Context).Plan(p, string.Empty);
        return NestedSearch.TakeMaxOut(Context, sub.Run(), NestedSearch.SubsearchMaxOut, "subsearch");
    }

    /// <summary>Plans a search of its own (a subsearch, a map search, a foreach template) against the same context.</summary>
    private CompiledSearch PlanNested(Pipeline p, string text) => new Planner(Context).Plan(p, text);

    /// <summary>Binds a command to its operator: names to field ids, expressions to delegates, tables and data models to their definitions.</summary>
    private Operator PlanCommand(Command cmd) => cmd switch
    {
        SearchCommand s => new FilterOperator("search", SearchPredicateCompiler.Compile(s.Expr, Context, RunSubsearch)),
        WhereCommand w => new FilterOperator("where", Compiler.CompilePredicate(w.Predicate)),
        EvalCommand e => new EvalOperator(e.Assignments.Select(a => (a.TargetFromField is null ? FieldTable.Intern(a.Field) : -1, Compiler.Compile(a.Value), a.TargetFromField is { } from ? FieldTable.Intern(from) : -1)).ToList(), "eval " + string.Join(", ", e.Assignments.Select(a => a.Field))),
        FieldFormatCommand f => new FieldFormatOperator(FieldTable.Intern(f.Assignment.Field), Compiler.Compile(f.Assignment.Value), "fieldformat " + f.Assignment.Field),
        StatsCommand s when Execution.Operators.WildcardStatsOperator.Applies(s) => new Execution.Operators.WildcardStatsOperator(s, PlanStats, Context.MaxRowsInMemory),
        StatsCommand s => PlanStats(s),
        TstatsCommand t => PlanTstats(t),
        ConvertCommand c => new ConvertOperator(c),
        RenameCommand r => new RenameOperator(r),
        TableCommand t => new TableOperator(t),
        FieldsCommand f => new FieldsOperator(f),
        HeadCommand h => h.Predicate is null ? new HeadOperator(h.Count) : new HeadOperator(Compiler.Compile(h.Predicate), h.Count, h.KeepLast, h.NullPasses),
        TailCommand t => new TailOperator(t.Count, Context.Budget),
        SortCommand s => new SortOperator(s, Context),
        DedupCommand d => new DedupOperator(d, Context),
        MakeResultsCommand m => new MakeResultsOperator(m.Count, Context.Now),
        ReverseCommand => new ReverseOperator(Context),
        UniqCommand => new UniqOperator(),
        FillNullCommand f => f.Fields.Count > 0 ? new FillNullOperator(f) : new FillNullAllOperator(f, Context),
        BinCommand b => b.SpanText is null ? new InferredSpanBinOperator(b, Context) : new BinOperator(b, Context),
        RexCommand r => r.SedMode ? new RexSedOperator(r, Context) : new RexOperator(r, Context),
        RegexCommand r => new RegexOperator(r, Context),
        TopCommand t => new TopOperator(t, Context.Budget),
        MvExpandCommand m => new MvExpandOperator(m),
        MakeMvCommand m => new MakeMvOperator(m, Context),
        LookupCommand l => new LookupOperator(l, Context),
        InputLookupCommand i => new InputLookupOperator(i, Context),
        FromDataModelCommand f => new FromDataModelOperator(f, Context),
        JoinCommand j => new JoinOperator(j, new NestedSearch(PlanNested(j.Subsearch, string.Empty)), Context),
        AppendCommand a => new AppendOperator(new NestedSearch(PlanNested(a.Subsearch, string.Empty))),
        AppendPipeCommand a => new AppendPipeOperator(PlanNested(a.Subpipeline, string.Empty), Context),
        AddTotalsCommand a => a.Col ? new Execution.Operators.ColumnTotalsOperator(new AddTotalsOperator(a), a) : new AddTotalsOperator(a),
        ReplaceCommand r => new ReplaceOperator(r),
        SpathCommand s => new SpathOperator(s),
        XmlKvCommand x => new XmlKvOperator(x),
        TransactionCommand t => PlanTransaction(t),
        MapCommand m => new MapOperator(m, Context, PlanNested),
        ForeachCommand f => new ForeachOperator(f, PlanNested),
        TimechartCommand t => PlanTimechart(t),
        AccumCommand a => new AccumOperator(a),
        DeltaCommand d => new DeltaOperator(d),
        AutoregressCommand a => new AutoregressOperator(a),
        NomvCommand n => new NomvOperator(n),
        UntableCommand u => new UntableOperator(u),
        XySeriesCommand x => new XySeriesOperator(x, Context.MaxRowsInMemory),
        MakeContinuousCommand m => Execution.Operators.MakeContinuousOperator.Plan(m, Context.MaxRowsInMemory),
        _ => throw new DiagnosticException(SplDiagnostics.BadArguments(cmd.Name, cmd.Span, "this command is parsed but cannot run yet")),
    };

    private List<AggregationPlan> PlanAggregations(IReadOnlyList<Aggregation> aggs, string command)
    {
        var plans = new List<AggregationPlan>();
        foreach (var a in aggs)
        {
            var fn = AggregateCatalog.Find(a.Function)
                ?? throw new DiagnosticException(SplDiagnostics.UnknownFunction(a.Function, a.Span));
            CompiledExpr? input = null;
            var isCondition = false;
            if (a.EvalArg is not null)
            {
                input = Compiler.Compile(a.EvalArg);
                isCondition = true;
            }
            else if (a.Field is not null)
            {
                var id = FieldTable.Intern(a.Field);
                input = r => r.Get(id);
            }
            else if (fn.NeedsField)
            {
                throw new DiagnosticException(SplDiagnostics.BadArguments(command, a.Span, $"`{a.Function}` needs a field, as in {a.Function}(field)"));
            }

            plans.Add(new AggregationPlan(fn, input, isCondition, FieldTable.Intern(a.OutputName), a.OutputName) { InputField = isCondition ? null : a.Field });
        }

        return plans;
    }

    private StatsOperator PlanStats(StatsCommand s)
    {
        var aggs = PlanAggregations(s.Aggregations, s.Kind);
        var by = s.By.Select(FieldTable.Intern).ToList();
        return new StatsOperator(s.Kind, aggs, by, $"{s.Kind} {string.Join(" ", aggs.Select(a => a.OutputName))}" + (s.By.Count > 0 ? " by " + string.Join(", ", s.By) : string.Empty), Context.MaxRowsInMemory, Context.Budget)
        {
            Stream = s.Kind == "streamstats" ? PlanStreamStatsOptions(s) : StreamStatsOptions.Default,
        };
    }

    /// <summary>Splunk's max_stream_window (limits.conf): the largest window streamstats accepts.</summary>
    private const int MaxStreamWindow = 10_000;

    private StreamStatsOptions PlanStreamStatsOptions(StatsCommand s)
    {
        var o = StreamStatsOptions.Default;
        foreach (var opt in s.Options)
        {
            switch (opt.Key)
            {
                case "window":
                    if (!int.TryParse(opt.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var w) || w > MaxStreamWindow)
                    {
                        throw new DiagnosticException(SplDiagnostics.BadArguments("streamstats", opt.Span, $"window must be a whole number from 0 to {MaxStreamWindow}, not `{opt.Value}`"));
                    }

                    o = o with { Window = w };
                    break;
                case "current":
                    o = o with { Current = Flag(opt) };
                    break;
                case "global":
                    o = o with { Global = Flag(opt) };
                    break;
                case "reset_on_change":
                    o = o with { ResetOnChange = Flag(opt) };
                    break;
                case "time_window":
                    var span = Durations.Parse(opt.Value);
                    if (span is not > 0)
                    {
                        throw new DiagnosticException(SplDiagnostics.BadArguments("streamstats", opt.Span, $"time_window must be a time span such as 5m, not `{opt.Value}`"));
                    }

                    o = o with { TimeWindow = span };
                    break;
                case "reset_before":
                    o = o with { ResetBefore = CompileResetExpression(opt) };
                    break;
                case "reset_after":
                    o = o with { ResetAfter = CompileResetExpression(opt) };
                    break;
                case "allnum":
                    break;
                default:
                    throw new DiagnosticException(SplDiagnostics.BadArguments("streamstats", opt.Span, $"unknown option `{opt.Key}`"));
            }
        }

        return o;

        static bool Flag(CommandOption opt) => opt.Value.ToLowerInvariant() switch
        {
            "t" or "true" or "1" => true,
            "f" or "false" or "0" => false,
            _ => throw new DiagnosticException(SplDiagnostics.BadArguments("streamstats", opt.Span, $"`{opt.Key}` takes true or false, not `{opt.Value}`")),
        };
    }

    /// <summary>reset_before/reset_after take an eval expression, written <c>"(" expression ")"</c>.</summary>
    private CompiledExpr CompileResetExpression(CommandOption opt)
    {
        var parsed = Parser.ParseExpression(opt.Value);
        if (!parsed.Success)
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("streamstats", opt.Span, $"`{opt.Key}` is not an eval expression: {parsed.Diagnostic.Message}"));
        }

        return Compiler.Compile(parsed.Value);
    }

    private Operator PlanTstats(TstatsCommand t)
    {
        var dataModels = Context.DataModels;
        var catalog = dataModels?.Catalog ?? DataModelCatalog.Cim;
        SearchExpr? where = null;
        string? nodeName = null;
        if (t.Where is { } w)
        {
            (where, nodeName) = ExtractNodeName(w);
        }

        var dmName = nodeName ?? t.DataModel;
        if (dmName is null)
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("tstats", t.Span, "searches over raw index data are not supported; use FROM datamodel=<Model.Dataset>"));
        }

        // `nodename=DNS` names a dataset of the FROM data model.
        var dataset = catalog.Resolve(dmName)
            ?? (nodeName is not null && t.DataModel is not null ? catalog.Resolve(t.DataModel.Split('.')[0] + "." + nodeName.Split('.')[^1]) : null)
            ?? throw new DiagnosticException(SplDiagnostics.UnknownDataModel(dmName, t.Span));
        var filter = where is null ? null : SearchPredicateCompiler.Compile(where, Context, RunSubsearch);
        var options = t.Options.ToDictionary(o => o.Key, o => o.Value, StringComparer.OrdinalIgnoreCase);
        options.TryGetValue("fillnull_value", out var fill);
        var fillValue = fill is null ? Value.Null : Value.FromString(fill);
        var byIds = t.By.Select(FieldTable.Intern).ToArray();
        double? span = t.Span_ is null ? null : Durations.Parse(t.Span_);
        var stats = new StatsOperator("stats", PlanAggregations(t.Aggregations, "tstats"), byIds, "tstats aggregate", Context.MaxRowsInMemory);
        var description = $"tstats from datamodel={dataset.FullName}" + (t.Where is null ? string.Empty : " where ...") + (t.By.Count > 0 ? " by " + string.Join(" ", t.By) : string.Empty);
        return new TstatsOperator(dataModels, dataset, filter, Context.TimeRange, byIds, fillValue, span, stats, description)
        {
            Where = where,
            Cancellation = Context.Cancellation,
            Pushdown = Pushdown.TstatsPushdownBuilder.Of(where, fill, span, options),
        };
    }

    /// <summary>Pulls <c>nodename=X.Y</c> out of a tstats where clause: it selects the dataset, it does not filter fields.</summary>
    private static (SearchExpr? Remaining, string? Node) ExtractNodeName(SearchExpr e)
    {
        switch (e)
        {
            case SearchCompare c when c.Field.Equals("nodename", StringComparison.OrdinalIgnoreCase) && c.Op == "=":
                return (null, c.Value);
            case SearchAnd and:
                {
                    string? node = null;
                    var rest = new List<SearchExpr>();
                    foreach (var t in and.Terms)
                    {
                        var (r, n) = ExtractNodeName(t);
                        node ??= n;
                        if (r is not null)
                        {
                            rest.Add(r);
                        }
                    }

                    return (rest.Count == 0 ? null : rest.Count == 1 ? rest[0] : new SearchAnd(rest, and.Span), node);
                }

            default:
                return (e, null);
        }
    }
}
