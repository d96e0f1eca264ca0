using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// A <c>where</c> after stats that reads only by-fields (directly, renamed, or through evals of
/// them) has the same answer for every row of a group, so it can be asked when the group is
/// first seen: a group it drops is never made. In <c>| tstats count by Registry.registry_value_data
/// ... | rename Registry.* as * | eval n=len(registry_value_data) | where n &gt; 512</c>, only
/// groups with long values are held. The commands after stats run unchanged on the results; this
/// only spares holding groups whose rows would be dropped. Only rename, eval and where are looked
/// through; anything else ends the analysis. A where that reads an aggregate is not pushed, and an
/// eval that reads one makes its field unknown.
/// </summary>
internal static class GroupPushdown
{
    // Functions whose value depends on more than their arguments.
    private static readonly HashSet<string> Impure = new(StringComparer.OrdinalIgnoreCase) { "searchmatch", "random" };

    /// <summary>The steps to run on a row of by-field values (renames, evals, pushable wheres), or none.</summary>
    public static IRowStep[] Steps(StatsOperator stats, IReadOnlyList<Operator> rest, IReadOnlyList<Command> commands)
    {
        var known = new HashSet<string>(stats.ByNames, StringComparer.Ordinal);
        if (known.Count == 0)
        {
            return [];
        }

        var all = new HashSet<string>(known.Concat(stats.OutputNames), StringComparer.Ordinal);
        var steps = new List<IRowStep>();
        var lastFilter = -1;
        for (var i = 0; i < commands.Count && rest[i] is IRowStep step; i++)
        {
            switch (commands[i])
            {
                case RenameCommand r:
                    foreach (var alias in r.Renames)
                    {
                        Rename(known, all, new FieldPattern(alias.Field), alias.Alias ?? alias.Field);
                    }

                    steps.Add(step);
                    continue;
                case EvalCommand e:
                    foreach (var a in e.Assignments)
                    {
                        if (a.TargetFromField is not null)
                        {
                            // {name}=... may assign any field, known ones included.
                            known.Clear();
                            continue;
                        }

                        all.Add(a.Field);
                        if (Refs(a.Value) is { } refs && refs.All(known.Contains))
                        {
                            known.Add(a.Field);
                        }
                        else
                        {
                            known.Remove(a.Field);
                        }
                    }

                    steps.Add(step);
                    continue;
                case WhereCommand w:
                    if (Refs(w.Predicate) is { } used && used.All(known.Contains))
                    {
                        steps.Add(step);
                        lastFilter = steps.Count - 1;
                    }

                    continue;
            }

            break;
        }

        return lastFilter < 0 ? [] : [.. steps.Take(lastFilter + 1)];
    }

    /// <summary>True when a group with these by-field values passes the pushed steps.</summary>
    public static bool Keeps(int[] byIds, Value[] key, IRowStep[] steps)
    {
        var probe = new Row(byIds.Length + 4);
        for (var i = 0; i < byIds.Length; i++)
        {
            probe.Set(byIds[i], key[i]);
        }

        try
        {
            foreach (var step in steps)
            {
                if (!step.Apply(probe))
                {
                    return false;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The steps run again on the results; a probe that fails keeps its group.
            return true;
        }

        return true;
    }

    private static void Rename(HashSet<string> known, HashSet<string> all, FieldPattern pattern, string target)
    {
        foreach (var name in all.ToList())
        {
            var renamed = pattern.Rewrite(name, target);
            if (renamed is null || renamed == name)
            {
                continue;
            }

            var wasKnown = known.Remove(name);
            all.Remove(name);
            all.Add(renamed);
            if (wasKnown)
            {
                known.Add(renamed);
            }
            else
            {
                known.Remove(renamed); // overwritten by a field that is not a by-field
            }
        }
    }

    /// <summary>The fields an expression reads, or null when it calls a function that reads more.</summary>
    private static HashSet<string>? Refs(Expr e)
    {
        var refs = new HashSet<string>(StringComparer.Ordinal);
        return Collect(e, refs) ? refs : null;
    }

    private static bool Collect(Expr e, HashSet<string> refs)
    {
        switch (e)
        {
            case FieldRef f:
                refs.Add(f.Name);
                return true;
            case Call c:
                return !Impure.Contains(c.Name) && c.Args.All(a => Collect(a, refs));
            case Unary u:
                return Collect(u.Operand, refs);
            case Binary b:
                return Collect(b.Left, refs) && Collect(b.Right, refs);
            case StringLiteral or NumberLiteral or BooleanLiteral:
                return true;
            default:
                return false;
        }
    }
}
