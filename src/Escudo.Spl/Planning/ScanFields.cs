using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning;

/// <summary>
/// The fields a search reads from the events its leading search scans (<see cref="Core.Storage.ScanRequest.Fields"/>),
/// so a store can decode only those. Conservative: the answer is null (every field) unless the
/// pipeline ends in a command whose output holds only what it names (<c>stats</c>, <c>top</c>,
/// <c>rare</c>, <c>timechart</c>, <c>table</c> without wildcards) and every command before it is
/// one whose reads are all written in it. Anything else gives null: an unknown command, <c>_raw</c>
/// or a keyword (which reads <c>_raw</c>, or every field when it is absent), a wildcard in a field
/// name, a field named at run time (eval's <c>{field}</c>, <c>searchmatch</c>, a subsearch's
/// results, <c>rex</c>'s groups, a <c>lookup</c> without OUTPUT, <c>fillnull</c>/<c>replace</c>
/// over every field). Every name written is kept, read or assigned alike: assigning a field that
/// the event already had is harmless to keep, and this keeps renames and evals exact without
/// tracking them.
/// </summary>
internal static class ScanFields
{
    public static IReadOnlySet<string>? Of(Pipeline pipeline)
    {
        if (pipeline.Commands.Count < 2 || pipeline.Commands[0] is not SearchCommand first)
        {
            return null;
        }

        var fields = new HashSet<string>(StringComparer.Ordinal) { "_time" };
        if (!AddSearch(first.Expr, fields))
        {
            return null;
        }

        for (var i = 1; i < pipeline.Commands.Count; i++)
        {
            var cmd = pipeline.Commands[i];
            if (!AddReads(cmd, fields))
            {
                return null;
            }

            if (EndsEvents(cmd))
            {
                return fields;
            }
        }

        return null; // the events themselves are the output: every field
    }

    /// <summary>Stats options that name no field (streamstats' reset_before/reset_after hold a search over any field).</summary>
    private static readonly HashSet<string> PlainOptions = new(StringComparer.OrdinalIgnoreCase) { "allnum", "delim", "partitions", "dedup_splitvals", "window", "current", "global", "time_window" };

    /// <summary>Commands whose output rows hold only the fields they name, not the events'.</summary>
    private static bool EndsEvents(Command cmd) => cmd is StatsCommand { Kind: "stats" } or TopCommand or TimechartCommand or TableCommand;

    /// <summary>Adds the fields a command reads or writes; false when they cannot all be known from its text.</summary>
    private static bool AddReads(Command cmd, HashSet<string> fields) => cmd switch
    {
        SearchCommand s => AddSearch(s.Expr, fields),
        WhereCommand w => AddExpr(w.Predicate, fields),
        EvalCommand e => e.Assignments.All(a => a.TargetFromField is null && AddName(a.Field, fields) && AddExpr(a.Value, fields)),
        FieldFormatCommand f => AddName(f.Assignment.Field, fields) && AddExpr(f.Assignment.Value, fields),
        StatsCommand s => s.Kind is "stats" or "eventstats" or "streamstats" && s.Options.All(o => PlainOptions.Contains(o.Key)) && AddAggregations(s.Aggregations, fields) && AddNames(s.By, fields),
        TimechartCommand t => AddAggregations(t.Aggregations, fields) && (t.By is null || AddName(t.By, fields)),
        TopCommand t => t.Fields.Count > 0 && AddNames(t.Fields, fields) && AddNames(t.By, fields),
        TableCommand t => t.Fields.Count > 0 && AddNames(t.Fields, fields),
        FieldsCommand f => AddNames(f.Fields, fields),
        RenameCommand r => r.Renames.All(a => AddName(a.Field, fields) && (a.Alias is null || AddName(a.Alias, fields))),
        HeadCommand h => h.Predicate is null || AddExpr(h.Predicate, fields),
        TailCommand or ReverseCommand => true,
        SortCommand s => s.Keys.Count > 0 && s.Keys.All(k => AddName(k.Field, fields)),
        DedupCommand d => d.Fields.Count > 0 && AddNames(d.Fields, fields) && d.SortBy.All(k => AddName(k.Field, fields)),
        BinCommand b => AddName(b.Field, fields) && (b.Alias is null || AddName(b.Alias, fields)),
        ConvertCommand c => c.Functions.All(f => AddName(f.Field, fields) && (f.Alias is null || AddName(f.Alias, fields))),
        LookupCommand l => l.Outputs.Count > 0 && l.Inputs.Concat(l.Outputs).All(a => AddName(a.Field, fields) && (a.Alias is null || AddName(a.Alias, fields))),
        FillNullCommand f => f.Fields.Count > 0 && AddNames(f.Fields, fields),
        ReplaceCommand r => r.Fields.Count > 0 && AddNames(r.Fields, fields),
        MvExpandCommand m => AddName(m.Field, fields),
        NomvCommand n => AddName(n.Field, fields),
        MakeMvCommand m => AddName(m.Field, fields),
        RegexCommand r => AddName(r.Field, fields),
        AccumCommand a => AddName(a.Field, fields) && (a.Alias is null || AddName(a.Alias, fields)),
        DeltaCommand d => AddName(d.Field, fields) && (d.Alias is null || AddName(d.Alias, fields)),
        AutoregressCommand a => AddName(a.Field, fields) && (a.Alias is null || AddName(a.Alias, fields)),
        _ => false,
    };

    private static bool AddAggregations(IReadOnlyList<Aggregation> aggregations, HashSet<string> fields) =>
        aggregations.All(a => (a.Field is null || AddName(a.Field, fields)) && (a.EvalArg is null || AddExpr(a.EvalArg, fields)));

    private static bool AddNames(IReadOnlyList<string> names, HashSet<string> fields) => names.All(n => AddName(n, fields));

    /// <summary>A plain field name; false for <c>_raw</c> and for a wildcard (which stands for fields unknown until run time).</summary>
    private static bool AddName(string name, HashSet<string> fields)
    {
        if (name.Length == 0 || name == "_raw" || name.Contains('*', StringComparison.Ordinal))
        {
            return false;
        }

        fields.Add(name);
        return true;
    }

    private static bool AddSearch(SearchExpr expr, HashSet<string> fields) => expr switch
    {
        SearchAll => true,
        SearchAnd a => a.Terms.All(t => AddSearch(t, fields)),
        SearchOr o => o.Terms.All(t => AddSearch(t, fields)),
        SearchNot n => AddSearch(n.Operand, fields),
        SearchCompare c => Execution.SearchPredicateCompiler.IsTimeModifier(c.Field) || AddName(c.Field, fields),
        SearchIn i => AddName(i.Field, fields),
        _ => false, // a keyword reads _raw (or every field without it); a subsearch's fields are known only when it has run
    };

    private static bool AddExpr(Expr expr, HashSet<string> fields) => expr switch
    {
        FieldRef f => AddName(f.Name, fields),
        Call c => !c.Name.Equals("searchmatch", StringComparison.OrdinalIgnoreCase) && c.Args.All(a => AddExpr(a, fields)),
        Unary u => AddExpr(u.Operand, fields),
        Binary b => AddExpr(b.Left, fields) && AddExpr(b.Right, fields),
        StringLiteral or NumberLiteral or BooleanLiteral => true,
        _ => false,
    };
}
