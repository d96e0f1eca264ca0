using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution;

/// <summary>
/// Compiles search-language expressions to delegates once per search; the per-event work is a
/// chain of closures over pre-built matchers and interned field ids.
/// </summary>
internal static class SearchPredicateCompiler
{
    private static readonly Func<Row, bool> Always = static _ => true;

    /// <param name="subsearch">Runs a subsearch pipeline and returns its rows; null when subsearches are not allowed here.</param>
    public static Func<Row, bool> Compile(SearchExpr expr, SearchContext ctx, Func<Pipeline, IReadOnlyList<Row>>? subsearch = null)
    {
        // A second guard behind the parser's depth limits: this exception can be caught, an overflow cannot.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        return CompileNode(expr, ctx, subsearch);
    }

    private static Func<Row, bool> CompileNode(SearchExpr expr, SearchContext ctx, Func<Pipeline, IReadOnlyList<Row>>? subsearch) => expr switch
    {
        SearchAll => Always,
        SearchAnd and => CompileAnd(and.Terms.Select(t => Compile(t, ctx, subsearch)).ToArray()),
        SearchOr or => CompileOr(or.Terms.Select(t => Compile(t, ctx, subsearch)).ToArray()),
        SearchNot not => Negate(Compile(not.Operand, ctx, subsearch)),
        SearchCompare cmp => CompileCompare(cmp, ctx),
        SearchIn inList => CompileIn(inList),
        SearchTerm term => CompileTerm(term),
        SearchSubsearch sub => CompileSubsearch(sub, ctx, subsearch),
        _ => throw new NotSupportedException(expr.GetType().Name),
    };

    private static Func<Row, bool> Negate(Func<Row, bool> f) => r => !f(r);

    private static Func<Row, bool> CompileAnd(Func<Row, bool>[] parts) => parts.Length switch
    {
        1 => parts[0],
        2 => r => parts[0](r) && parts[1](r),
        _ => r =>
        {
            foreach (var p in parts)
            {
                if (!p(r))
                {
                    return false;
                }
            }

            return true;
        }
        ,
    };

    private static Func<Row, bool> CompileOr(Func<Row, bool>[] parts) => parts.Length switch
    {
        1 => parts[0],
        2 => r => parts[0](r) || parts[1](r),
        _ => r =>
        {
            foreach (var p in parts)
            {
                if (p(r))
                {
                    return true;
                }
            }

            return false;
        }
        ,
    };

    /// <summary>Search-time modifiers that restrict time rather than compare a field.</summary>
    internal static bool IsTimeModifier(string field) => field.ToLowerInvariant() is "earliest" or "latest" or "starthoursago" or "endhoursago" or "startminutesago" or "endminutesago" or "startdaysago" or "enddaysago" or "starttime" or "endtime";

    private static Func<Row, bool> CompileCompare(SearchCompare cmp, SearchContext ctx)
    {
        if (IsTimeModifier(cmp.Field))
        {
            return CompileTimeModifier(cmp, ctx);
        }

        var id = FieldTable.Intern(cmp.Field);
        if (cmp.Op is "<" or "<=" or ">" or ">=")
        {
            var written = cmp.Value;
            var op = cmp.Op;
            return r => ValueMatcher.CompareOrdered(r.Get(id), written, op);
        }

        if (cmp.Value == "*" && !cmp.Quoted)
        {
            // field=* means the field exists; field!=* means it does not.
            return cmp.Op == "!=" ? r => !r.Has(id) : r => r.Has(id);
        }

        var matcher = new ValueMatcher(cmp.Value);
        if (cmp.Field.Equals("index", StringComparison.OrdinalIgnoreCase))
        {
            // Events without an index field live in main.
            return cmp.Op == "!="
                ? r => !MatchesIndex(r, id, matcher)
                : r => MatchesIndex(r, id, matcher);
        }

        if (cmp.Op == "!=")
        {
            // field!=value requires the field to exist, unlike NOT field=value.
            return r =>
            {
                var v = r.Get(id);
                return !v.IsNull && !matcher.Matches(v);
            };
        }

        return r => matcher.Matches(r.Get(id));
    }

    private static bool MatchesIndex(Row r, int id, ValueMatcher m)
    {
        var v = r.Get(id);
        return m.Matches(v.IsNull ? Value.FromString("main") : v);
    }

    private static Func<Row, bool> CompileTimeModifier(SearchCompare cmp, SearchContext ctx)
    {
        var field = cmp.Field.ToLowerInvariant();
        double? bound = field switch
        {
            "earliest" or "latest" or "starttime" or "endtime" => RelativeTime.Resolve(cmp.Value, ctx.Now),
            "starthoursago" or "endhoursago" => double.TryParse(cmp.Value, out var h) ? ctx.Now - (h * 3600) : null,
            "startminutesago" or "endminutesago" => double.TryParse(cmp.Value, out var m) ? ctx.Now - (m * 60) : null,
            "startdaysago" or "enddaysago" => double.TryParse(cmp.Value, out var d) ? ctx.Now - (d * 86400) : null,
            _ => null,
        };
        if (bound is not { } b)
        {
            ctx.Warn("SPL1001", $"time modifier {cmp.Field}={cmp.Value} is not understood and was ignored");
            return Always;
        }

        var isStart = field is "earliest" or "starttime" or "starthoursago" or "startminutesago" or "startdaysago";
        return isStart ? r => r.Time >= b : r => r.Time < b;
    }

    private static Func<Row, bool> CompileIn(SearchIn inList)
    {
        var id = FieldTable.Intern(inList.Field);
        var matchers = inList.Values.Where(v => v.Length > 0).Select(v => new ValueMatcher(v)).ToArray();
        return r =>
        {
            var v = r.Get(id);
            if (v.IsNull)
            {
                return false;
            }

            foreach (var m in matchers)
            {
                if (m.Matches(v))
                {
                    return true;
                }
            }

            return false;
        };
    }

    private static Func<Row, bool> CompileTerm(SearchTerm term)
    {
        if (term.Text.Length == 0)
        {
            return Always;
        }

        var pattern = new WildcardPattern(term.Text);
        return r =>
        {
            var raw = r.Get(FieldTable.Raw);
            if (!raw.IsNull)
            {
                return pattern.IsFoundIn(raw.ToDisplayString());
            }

            // Results without _raw (after stats, say): look in every field value.
            for (var i = 0; i < r.Count; i++)
            {
                foreach (var item in r.ValueAt(i).Items)
                {
                    if (pattern.IsFoundIn(item))
                    {
                        return true;
                    }
                }
            }

            return false;
        };
    }

    private static Func<Row, bool> CompileSubsearch(SearchSubsearch sub, SearchContext ctx, Func<Pipeline, IReadOnlyList<Row>>? run)
    {
        if (run is null)
        {
            // searchmatch("..."), inputlookup where and transaction conditions have no subsearch runner.
            throw new Core.Diagnostics.DiagnosticException(Syntax.SplDiagnostics.SubsearchNotAllowed(sub.Span));
        }

        // Splunk runs the subsearch first and turns its rows into ( f1=v1 AND f2=v2 ) OR ( ... ).
        var rows = run(sub.Pipeline);
        var alternatives = new List<Func<Row, bool>>();
        foreach (var row in rows)
        {
            var terms = new List<Func<Row, bool>>();
            for (var i = 0; i < row.Count; i++)
            {
                var name = row.NameAt(i);
                if (name.StartsWith('_'))
                {
                    continue;
                }

                var value = row.ValueAt(i).FirstString() ?? string.Empty;
                if (name is "search" or "query")
                {
                    var p = new WildcardPattern(value);
                    terms.Add(r => p.IsFoundIn(r.Get(FieldTable.Raw).ToDisplayString()));
                    continue;
                }

                terms.Add(CompileCompare(new SearchCompare(name, "=", value, true, default), ctx));
            }

            if (terms.Count > 0)
            {
                alternatives.Add(CompileAnd([.. terms]));
            }
        }

        return alternatives.Count == 0 ? static _ => false : CompileOr([.. alternatives]);
    }
}
