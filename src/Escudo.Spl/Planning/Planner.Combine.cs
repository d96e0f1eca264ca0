using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Macros;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning;

internal sealed partial class Planner
{
    private LookupTable FindLookup(string name, Core.Text.TextSpan span) =>
        Context.Lookups?.Find(name) ?? throw new DiagnosticException(SplDiagnostics.UnknownLookup(name, span));

    /// <summary>
    /// lookup (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Lookup): rows
    /// of the table whose input columns match the event's fields (exactly, or by WILDCARD/CIDR
    /// match types) give their output columns; OUTPUT overwrites, OUTPUTNEW only fills absent
    /// fields. Without an output list every non-input column is returned.
    /// </summary>
    private Operator PlanLookup(LookupCommand l)
    {
        var table = FindLookup(l.Table, l.TableSpan);
        var inputs = l.Inputs.Select(i =>
        {
            var col = table.ColumnIndex(i.Field);
            if (col < 0)
            {
                throw new DiagnosticException(SplDiagnostics.BadArguments("lookup", i.Span, $"table `{l.Table}` has no column `{i.Field}`"));
            }

            return (Col: col, EventId: FieldTable.Intern(i.Alias ?? i.Field), Wildcard: table.WildcardColumns.Contains(i.Field), Cidr: table.CidrColumns.Contains(i.Field));
        }).ToArray();
        var inputCols = inputs.Select(i => i.Col).ToHashSet();
        var outputs = (l.Outputs.Count > 0
            ? l.Outputs.Select(o => (Col: table.ColumnIndex(o.Field), EventId: FieldTable.Intern(o.Alias ?? o.Field), o.Field))
            : table.Columns.Select((c, i) => (Col: i, EventId: FieldTable.Intern(c), Field: c)).Where(o => !inputCols.Contains(o.Col)))
            .ToArray();
        foreach (var o in outputs)
        {
            if (o.Col < 0)
            {
                throw new DiagnosticException(SplDiagnostics.BadArguments("lookup", l.Span, $"table `{l.Table}` has no column `{o.Field}`"));
            }
        }

        var matcher = new LookupMatcher(table, [.. inputs.Select(i => (i.Col, i.Wildcard, i.Cidr))]);
        var patterned = table.WildcardColumns.Count > 0 || table.CidrColumns.Count > 0;

        // Wildcard and CIDR tables try their pattern rows one by one, so the matches of each
        // distinct input are remembered: results repeat their values (process names, domains) far
        // more than the table has rows. Bounded, so a high-cardinality input cannot grow it without limit.
        var memo = patterned ? new Dictionary<string, List<string[]>>(StringComparer.Ordinal) : null;

        List<string[]> Matches(string[] values)
        {
            if (memo is null)
            {
                return matcher.Matches(values);
            }

            var memoKey = values.Length == 1 ? values[0] : string.Join('\u0001', values);
            if (memo.TryGetValue(memoKey, out var known))
            {
                return known;
            }

            var found = matcher.Matches(values);
            if (memo.Count >= 65_536)
            {
                memo.Clear();
            }

            memo[memoKey] = found;
            return found;
        }

        return new RowMapOperator("lookup " + l.Table, row =>
        {
            var values = new string[inputs.Length];
            for (var i = 0; i < inputs.Length; i++)
            {
                var v = row.Get(inputs[i].EventId);
                if (v.IsNull)
                {
                    return;
                }

                values[i] = v.FirstString()!;
            }

            var matches = Matches(values);

            foreach (var o in outputs)
            {
                if (l.OutputNew && row.Has(o.EventId))
                {
                    continue;
                }

                if (matches.Count == 0)
                {
                    if (table.DefaultMatch is not null)
                    {
                        row.Set(o.EventId, Value.FromString(table.DefaultMatch));
                    }
                    else if (!l.OutputNew)
                    {
                        row.Remove(o.EventId);
                    }

                    continue;
                }

                var vals = matches.Select(m => m[o.Col]).Where(s => s.Length > 0).ToList();
                row.Set(o.EventId, Value.FromMulti(vals));
            }
        });
    }

    private Operator PlanInputLookup(InputLookupCommand i)
    {
        var table = FindLookup(i.Table, i.TableSpan);
        var filter = i.Where is null ? null : SearchPredicateCompiler.Compile(i.Where, Context);
        var ids = table.Columns.Select(FieldTable.Intern).ToArray();
        IEnumerable<Row> Rows()
        {
            foreach (var tr in table.Rows)
            {
                var row = new Row(ids.Length);
                for (var c = 0; c < ids.Length && c < tr.Length; c++)
                {
                    if (tr[c].Length > 0)
                    {
                        row.Set(ids[c], Value.FromString(tr[c]));
                    }
                }

                if (filter is null || filter(row))
                {
                    yield return row;
                }
            }
        }

        return new DelegateOperator("inputlookup " + i.Table, input => i.Append ? input.Concat(Rows()) : Rows(), generates: !i.Append);
    }

    /// <summary><c>| from datamodel:X.Y</c>: the dataset's rows with the root prefix removed from field names.</summary>
    private Operator PlanFromDataModel(FromDataModelCommand f)
    {
        var dataModels = Context.DataModels;
        var catalog = dataModels?.Catalog ?? Core.DataModels.DataModelCatalog.Cim;
        var dataset = catalog.Resolve(f.DataModel) ?? throw new DiagnosticException(SplDiagnostics.UnknownDataModel(f.DataModel, f.Span));
        var prefix = dataset.Prefix + ".";
        IEnumerable<Row> Rows()
        {
            if (dataModels is null)
            {
                yield break;
            }

            foreach (var row in dataModels.Rows(dataset, new ScanRequest(Context.TimeRange)))
            {
                var r = new Row(row.Count);
                for (var i = 0; i < row.Count; i++)
                {
                    var name = row.NameAt(i);
                    r.Set(name.StartsWith(prefix, StringComparison.Ordinal) ? FieldTable.Intern(name[prefix.Length..]) : row.IdAt(i), row.ValueAt(i));
                }

                r.CopyProvenance(row);

                yield return r;
            }
        }

        return new DelegateOperator("from datamodel " + dataset.FullName, _ => Rows(), generates: true);
    }

    /// <summary>
    /// join (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Join): the
    /// subsearch runs first; each main row is joined to at most <c>max</c> subsearch rows with the
    /// same values of the join fields (subsearch fields overwrite); left keeps unmatched rows.
    /// Without join fields, the fields common to both sides are used.
    /// </summary>
    private Operator PlanJoin(JoinCommand j)
    {
        var sub = new NestedSearch(new Planner(Context).Plan(j.Subsearch, string.Empty));
        return new DelegateOperator($"join type={j.Type} {string.Join(",", j.Fields)} [subsearch]", rows => Join(rows), mutates: true, nested: sub);

        IEnumerable<Row> Join(IEnumerable<Row> rows)
        {
            var subRows = TakeMaxOut(sub.Run(), JoinMaxOut, "join subsearch");
            var fields = j.Fields.Count > 0
                ? j.Fields.Select(FieldTable.Intern).ToArray()
                : subRows.SelectMany(r => Enumerable.Range(0, r.Count).Select(r.IdAt)).Distinct().Where(id => !FieldTable.NameOf(id).StartsWith('_')).ToArray();
            var index = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
            foreach (var s in subRows)
            {
                var key = JoinKey(s, fields);
                if (key is null)
                {
                    continue;
                }

                if (!index.TryGetValue(key, out var list))
                {
                    index[key] = list = [];
                }

                list.Add(s);
            }

            foreach (var r in rows)
            {
                var key = JoinKey(r, fields);
                if (key is null || !index.TryGetValue(key, out var matches))
                {
                    if (j.Type == "left")
                    {
                        yield return r;
                    }

                    continue;
                }

                var taken = 0;
                foreach (var m in matches)
                {
                    if (taken++ >= j.Max)
                    {
                        break;
                    }

                    var combined = taken == matches.Count || taken == j.Max ? r : r.Clone();
                    for (var i = 0; i < m.Count; i++)
                    {
                        combined.Set(m.IdAt(i), m.ValueAt(i));
                    }

                    combined.AddEvidence(m); // the joined row stands for the subsearch's events too

                    yield return combined;
                }
            }
        }
    }

    private static string? JoinKey(Row r, int[] fields)
    {
        var parts = new string[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            var v = r.Get(fields[i]);
            if (v.IsNull)
            {
                return null;
            }

            parts[i] = v.ToDisplayString();
        }

        return string.Join('\u0001', parts);
    }

    private Operator PlanAppend(AppendCommand a)
    {
        var sub = new NestedSearch(new Planner(Context).Plan(a.Subsearch, string.Empty));
        return new DelegateOperator("append [subsearch]", rows => rows.Concat(sub.Run()), nested: sub);
    }

    /// <summary>appendpipe: runs the sub-pipeline over the results so far and appends its output.</summary>
    private Operator PlanAppendPipe(AppendPipeCommand a)
    {
        var sub = new Planner(Context).Plan(a.Subpipeline, string.Empty);
        return new DelegateOperator("appendpipe [subpipeline]", AppendPipe);

        IEnumerable<Row> AppendPipe(IEnumerable<Row> rows)
        {
            using var held = Context.Budget.Hold("appendpipe");
            held.AddAll(rows);
            IEnumerable<Row> tail = held.Rows.Select(r => r.Clone());
            var subOps = sub.Operators;
            var start = subOps.Count > 0 && subOps[0] is ScanOperator ? 1 : 0;
            for (var i = start; i < subOps.Count; i++)
            {
                tail = subOps[i].Execute(tail);
            }

            using var appended = Context.Budget.Hold("appendpipe");
            appended.AddAll(tail);
            held.Emitting();
            appended.Emitting();
            foreach (var r in held.Rows.Concat(appended.Rows))
            {
                yield return r;
            }
        }
    }

    /// <summary>
    /// transaction (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Transaction):
    /// groups events sharing the field values, in time order, closing a group on maxspan, maxpause,
    /// maxevents, or startswith/endswith; each group becomes one row with duration and eventcount,
    /// multivalue unions of the fields, and _time of its first event.
    /// </summary>
    private Operator PlanTransaction(TransactionCommand t)
    {
        var ids = t.Fields.Select(FieldTable.Intern).ToArray();
        Func<Row, bool>? starts = t.StartsWith is null ? null : CompileTransactionCondition(t.StartsWith, t.Span);
        Func<Row, bool>? ends = t.EndsWith is null ? null : CompileTransactionCondition(t.EndsWith, t.Span);
        var durationId = FieldTable.Intern("duration");
        var countId = FieldTable.Intern("eventcount");
        return new DelegateOperator("transaction " + string.Join(" ", t.Fields), rows =>
        {
            using var held = Context.Budget.Hold("transaction");
            held.AddAll(rows.Where(r => !double.IsNaN(r.Time)));
            var sorted = held.Rows.OrderBy(r => r.Time).ToList();
            var open = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
            var done = new List<List<Row>>();
            foreach (var r in sorted)
            {
                var key = ids.Length == 0 ? string.Empty : JoinKey(r, ids);
                if (key is null)
                {
                    continue;
                }

                if (open.TryGetValue(key, out var g))
                {
                    var first = g[0].Time;
                    var last = g[^1].Time;
                    var close = (t.MaxSpan is { } ms && r.Time - first > ms)
                        || (t.MaxPause is { } mp && r.Time - last > mp)
                        || (t.MaxEvents is { } me && me > 0 && g.Count >= me)
                        || (starts is not null && starts(r));
                    if (close)
                    {
                        done.Add(g);
                        open.Remove(key);
                        g = null;
                    }
                }

                if (g is null)
                {
                    if (starts is not null && !starts(r))
                    {
                        continue;
                    }

                    g = [];
                    open[key] = g;
                }

                g.Add(r);
                if (ends is not null && ends(r))
                {
                    done.Add(g);
                    open.Remove(key);
                }
            }

            if (ends is null || t.KeepEvicted)
            {
                done.AddRange(open.Values);
            }

            // Transactions come out newest first, by the time of their first event, as events do.
            return done.OrderByDescending(g => g[0].Time).Select(g =>
            {
                var row = new Row();
                var order = new List<int>();
                var values = new Dictionary<int, List<string>>();
                var evidence = new Evidence(); // a transaction stands for all its events
                foreach (var e in g)
                {
                    evidence.Add(e);
                    for (var i = 0; i < e.Count; i++)
                    {
                        var id = e.IdAt(i);
                        if (id == FieldTable.Time)
                        {
                            continue;
                        }

                        if (!values.TryGetValue(id, out var list))
                        {
                            values[id] = list = [];
                            order.Add(id);
                        }

                        foreach (var item in e.ValueAt(i).Items)
                        {
                            if (id == FieldTable.Raw || t.MvList || !list.Contains(item))
                            {
                                list.Add(item);
                            }
                        }
                    }
                }

                row.Set(FieldTable.Time, Value.FromNumber(g[0].Time));
                foreach (var id in order)
                {
                    var list = values[id];
                    if (id != FieldTable.Raw && !t.MvList)
                    {
                        // mvlist=false (the default): each field's values are a set, in lexicographic order.
                        list.Sort(StringComparer.Ordinal);
                    }

                    row.Set(id, id == FieldTable.Raw ? Value.FromString(string.Join('\n', list)) : Value.FromMulti(list));
                }

                row.Set(durationId, Value.FromNumber(g[^1].Time - g[0].Time));
                row.Set(countId, Value.FromNumber(g.Count));
                row.Evidence = evidence;
                return row;
            }).ToList();
        });
    }

    /// <summary>A startswith/endswith condition; its own text is parsed apart, so its problems point at the command.</summary>
    private Func<Row, bool> CompileTransactionCondition(string text, Core.Text.TextSpan commandSpan)
    {
        try
        {
            return CompileTransactionCondition(text);
        }
        catch (DiagnosticException e)
        {
            throw new DiagnosticException(e.Diagnostic with { Span = commandSpan, Message = "transaction condition: " + e.Diagnostic.Message });
        }
    }

    private Func<Row, bool> CompileTransactionCondition(string text)
    {
        var s = text.Trim();
        if (s.StartsWith('(') && s.EndsWith(')'))
        {
            s = s[1..^1].Trim();
        }

        if (s.StartsWith("eval(", StringComparison.OrdinalIgnoreCase) && s.EndsWith(')'))
        {
            var expr = Parser.ParseExpression(s[5..^1]);
            if (!expr.Success)
            {
                throw new DiagnosticException(expr.Diagnostic);
            }

            return Compiler.CompilePredicate(expr.Value);
        }

        var parsed = Parser.Parse(s);
        if (!parsed.Success)
        {
            throw new DiagnosticException(parsed.Diagnostic);
        }

        return parsed.Value.Commands[0] is SearchCommand sc ? SearchPredicateCompiler.Compile(sc.Expr, Context) : _ => false;
    }

    /// <summary>map: runs the search once per input row (at most maxsearches), with $field$ tokens filled from the row.</summary>
    private Operator PlanMap(MapCommand m)
    {
        var tokens = System.Text.RegularExpressions.Regex.Matches(m.Search, @"\$([^$\s]+)\$").Select(x => x.Groups[1].Value).Distinct().ToArray();
        return new DelegateOperator("map", rows => Map(rows));

        IEnumerable<Row> Map(IEnumerable<Row> rows)
        {
            var n = 0;
            foreach (var r in rows)
            {
                if (n++ >= m.MaxSearches)
                {
                    break;
                }

                var text = m.Search;
                foreach (var tok in tokens)
                {
                    text = text.Replace("$" + tok + "$", r.Get(tok).FirstString() ?? string.Empty, StringComparison.Ordinal);
                }

                var expanded = Context.Macros is null ? text : new MacroExpander(Context.Macros).Expand(text).Text ?? text;
                var parsed = Parser.Parse(expanded);
                if (!parsed.Success)
                {
                    Context.Warn("SPL2003", $"map: search for one row does not parse: {parsed.Diagnostic.Message}");
                    continue;
                }

                foreach (var result in new Planner(Context).Plan(parsed.Value, expanded).Run())
                {
                    yield return result;
                }
            }
        }
    }

    /// <summary>foreach: the template runs once per field matching the patterns, with &lt;&lt;FIELD&gt;&gt; and &lt;&lt;MATCHSTR&gt;&gt; filled in.</summary>
    private Operator PlanForeach(ForeachCommand f)
    {
        var patterns = f.Patterns.Select(p => new FieldPattern(p)).ToArray();
        var cache = new Dictionary<string, CompiledSearch?>(StringComparer.Ordinal);
        return new RowMapOperator("foreach " + string.Join(" ", f.Patterns), row =>
        {
            var names = Enumerable.Range(0, row.Count).Select(row.NameAt).ToList();
            foreach (var name in names)
            {
                var pattern = patterns.FirstOrDefault(p => p.IsMatch(name));
                if (pattern is null)
                {
                    continue;
                }

                var match = pattern.HasWildcard ? pattern.Rewrite(name, "*") ?? name : name;
                var body = f.Template.Replace("<<FIELD>>", name, StringComparison.Ordinal).Replace("<<MATCHSTR>>", match, StringComparison.Ordinal);
                if (!cache.TryGetValue(body, out var compiled))
                {
                    var parsed = Parser.Parse("| " + body.Trim());
                    compiled = parsed.Success ? new Planner(Context).Plan(parsed.Value, body) : null;
                    cache[body] = compiled;
                }

                if (compiled is null)
                {
                    continue;
                }

                IEnumerable<Row> one = [row];
                foreach (var op in compiled.Operators)
                {
                    one = op.Execute(one);
                }

                foreach (var _ in one)
                {
                }
            }
        });
    }
}
