using System.Text.RegularExpressions;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Macros;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Facts;

/// <summary>
/// What other stages need to know about a compiled search's shape, answered here so that they
/// never walk the syntax tree: whether it reads the store again, where it reads events, which data
/// model datasets it reads, the clauses of its leading search.
/// </summary>
public static partial class SearchFacts
{
    /// <summary>
    /// True when a search reads nothing but its own leading search or tstats: no subsearch, join,
    /// append or map (those read the store again, so their detection keeps its events).
    /// </summary>
    public static bool IsSelfContained(CompileResult compiled) => SelfContained(Syntax(compiled));

    /// <summary>
    /// Every place the search (or any pipeline nested in it: subsearch, join, append, appendpipe,
    /// map template with <c>$token$</c> read as <c>*</c>) reads events, each a superset for a pass
    /// that runs before the subsearches do: a subsearch term may match anything.
    /// </summary>
    public static IReadOnlyList<PassScan> EventScans(CompileResult compiled, SearchContext ctx) =>
        [.. Scans(Syntax(compiled), ctx).Select(WithoutSubsearches).Select(e => new PassScan(e))];

    /// <summary>The scan of a streamed pipeline that reads events (a pipeline without a leading search reads all).</summary>
    public static PassScan ScanOf(StreamingPipeline stream) => stream.Scan is { } e ? new PassScan(e) : PassScan.All;

    /// <summary>The literals one of which a row must contain to be taken by a streamed pipeline (its leading search or tstats where), or null.</summary>
    public static IReadOnlyList<(string Field, string Literal)>? NecessaryLiterals(StreamingPipeline stream) => Execution.NecessaryLiterals.Of(stream.Condition);

    /// <summary>The data model names the search reads (tstats, from datamodel, nodename terms), in nested pipelines too.</summary>
    public static IEnumerable<string> DataModelNames(CompileResult compiled) => DataModelNames(Syntax(compiled));

    /// <summary>True when the search is a single <c>search</c> command: a plain filter with no pipes.</summary>
    public static bool IsPlainFilter(CompileResult compiled) =>
        compiled.Syntax is { Commands: [SearchCommand] };

    /// <summary>The leading command of a parsed search, as far as explaining a miss needs it; null when the text does not parse.</summary>
    public static LeadingSearch? Leading(string expandedSearch, out Core.Diagnostics.Diagnostic? error)
    {
        var parsed = SplEngine.Parse(expandedSearch);
        error = parsed.Success ? null : parsed.Diagnostic;
        if (!parsed.Success)
        {
            return null;
        }

        static IReadOnlyList<SearchClause> Clauses(SearchExpr e, string text) =>
            [.. (e is SearchAnd and ? and.Terms : [e]).Select(t => new SearchClause(t, text))];

        return parsed.Value.Commands[0] switch
        {
            SearchCommand s => new LeadingSearch(LeadingKind.Events, null, Clauses(s.Expr, expandedSearch)),
            TstatsCommand t => new LeadingSearch(LeadingKind.DataModel, t.DataModel, t.Where is null ? [] : Clauses(t.Where, expandedSearch)),
            _ => new LeadingSearch(LeadingKind.Other, null, []),
        };
    }

    private static Pipeline Syntax(CompileResult compiled) =>
        compiled.Syntax ?? throw new InvalidOperationException("a search that did not parse has no shape to ask about");

    private static bool SelfContained(Pipeline p) => p.Commands.All(c => c switch
    {
        MapCommand or FromDataModelCommand => false,
        SearchCommand s => Subsearches(s.Expr).All(ReadsNoEvents),
        TstatsCommand t => t.Where is null || Subsearches(t.Where).All(ReadsNoEvents),
        JoinCommand j => SelfContained(j.Subsearch),
        AppendCommand a => SelfContained(a.Subsearch),
        AppendPipeCommand ap => SelfContained(ap.Subpipeline) && !ap.Subpipeline.Commands.Any(x => x is TstatsCommand or JoinCommand or AppendCommand),
        _ => true,
    });

    /// <summary>
    /// A subsearch term that reads no events or data model rows (<c>[| inputlookup ...]</c>) runs
    /// when the search is planned, before the pass, and gives the same terms then as after it.
    /// </summary>
    private static bool ReadsNoEvents(Pipeline p) =>
        p.Commands.Count > 0 && p.Commands[0] is not (SearchCommand or TstatsCommand or FromDataModelCommand)
        && p.Commands.All(c => c is not (JoinCommand or AppendCommand or MapCommand or TstatsCommand or FromDataModelCommand)
            && (c is not SearchCommand s || !Subsearches(s.Expr).Any()));

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
