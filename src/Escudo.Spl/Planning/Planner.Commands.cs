using System.Text.Json;
using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Functions.Eval;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning;

public sealed partial class Planner
{
    /// <summary>
    /// convert (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Convert):
    /// ctime formats epoch seconds with timeformat (default <c>%m/%d/%Y %H:%M:%S</c>); values that
    /// are not numbers stay as they are. mktime is the reverse; num/auto make numbers; dur2sec reads h:m:s.
    /// </summary>
    private Operator PlanConvert(ConvertCommand c)
    {
        var format = c.TimeFormat ?? "%m/%d/%Y %H:%M:%S";
        var steps = new List<(int From, int To, Func<Value, Value> Fn)>();
        foreach (var f in c.Functions)
        {
            Func<Value, Value> fn = f.Function switch
            {
                "ctime" => v => v.TryGetNumber(out var t) && StrTime.TryFormat(t, format, out var text) ? Value.FromString(text) : v,
                "mktime" => v => v.FirstString() is { } s && StrTime.Parse(s, format) is { } t ? Value.FromNumber(t) : v,
                "num" or "auto" => v => v.TryGetNumber(out var d) ? Value.FromNumber(d) : (f.Function == "num" ? Value.Null : v),
                "rmunit" => v => v.FirstString() is { } s && Regex.Match(s, @"^\s*[-+]?[\d.]+") is { Success: true } m ? Value.FromString(m.Value.Trim()) : v,
                "rmcomma" => v => v.FirstString() is { } s ? Value.FromString(s.Replace(",", string.Empty, StringComparison.Ordinal)) : v,
                "dur2sec" => v => v.FirstString() is { } s && TimeSpan.TryParse(s.Replace('+', '.'), System.Globalization.CultureInfo.InvariantCulture, out var ts) ? Value.FromNumber(ts.TotalSeconds) : v,
                "none" => v => v,
                _ => throw new DiagnosticException(SplDiagnostics.UnknownFunction(f.Function, c.Span)),
            };
            steps.Add((FieldTable.Intern(f.Field), FieldTable.Intern(f.Alias ?? f.Field), fn));
        }

        return new RowMapOperator("convert " + string.Join(", ", c.Functions.Select(f => $"{f.Function}({f.Field})")), row =>
        {
            foreach (var (from, to, fn) in steps)
            {
                var v = row.Get(from);
                if (!v.IsNull)
                {
                    row.Set(to, fn(v));
                }
            }
        });
    }

    /// <summary>rename with wildcards: <c>Registry.* AS *</c> renames every matching field, in place.</summary>
    private Operator PlanRename(RenameCommand r)
    {
        var renames = r.Renames.Select(x => (Pattern: new FieldPattern(x.Field), Target: x.Alias!)).ToArray();

        // A wildcard rename maps each field name the same way every time: remember it per field id
        // (-1 for no match) instead of matching the pattern on every row.
        var memo = new Dictionary<(int Rename, int Field), int>();
        return new RowMapOperator("rename " + string.Join(", ", r.Renames.Select(x => $"{x.Field} as {x.Alias}")), row =>
        {
            for (var k = 0; k < renames.Length; k++)
            {
                var (pattern, target) = renames[k];
                if (!pattern.HasWildcard)
                {
                    if (FieldTable.TryGet(pattern.Pattern, out var fromId))
                    {
                        row.Rename(fromId, FieldTable.Intern(target));
                    }

                    continue;
                }

                for (var i = 0; i < row.Count; i++)
                {
                    var id = row.IdAt(i);
                    if (!memo.TryGetValue((k, id), out var newId))
                    {
                        var name = FieldTable.NameOf(id);
                        var newName = pattern.Rewrite(name, target);
                        newId = newName is not null && newName != name ? FieldTable.Intern(newName) : -1;
                        memo[(k, id)] = newId;
                    }

                    if (newId >= 0)
                    {
                        row.Rename(id, newId);
                    }
                }
            }
        });
    }

    private Operator PlanTable(TableCommand t)
    {
        var patterns = t.Fields.Select(f => new FieldPattern(f)).ToArray();
        return new RowMapOperator("table " + string.Join(" ", t.Fields), row =>
        {
            var order = new List<int>();
            foreach (var p in patterns)
            {
                if (!p.HasWildcard)
                {
                    if (FieldTable.TryGet(p.Pattern, out var id) && row.Has(id) && !order.Contains(id))
                    {
                        order.Add(id);
                    }

                    continue;
                }

                for (var i = 0; i < row.Count; i++)
                {
                    if (p.IsMatch(row.NameAt(i)) && !order.Contains(row.IdAt(i)))
                    {
                        order.Add(row.IdAt(i));
                    }
                }
            }

            var keep = new HashSet<int>(order);
            row.RemoveWhere(id => !keep.Contains(id));
            row.MoveToFront(order);
        });
    }

    /// <summary>fields: <c>fields - a b</c> removes; <c>fields a b</c> keeps those (and the internal _time/_raw, as Splunk does).</summary>
    private Operator PlanFields(FieldsCommand f)
    {
        var patterns = f.Fields.Select(x => new FieldPattern(x)).ToArray();
        bool Listed(int id)
        {
            var name = FieldTable.NameOf(id);
            return patterns.Any(p => p.IsMatch(name));
        }

        if (f.Remove)
        {
            return new RowMapOperator("fields - " + string.Join(" ", f.Fields), row => row.RemoveWhere(Listed));
        }

        return new RowMapOperator("fields " + string.Join(" ", f.Fields), row =>
        {
            row.RemoveWhere(id => !Listed(id) && id != FieldTable.Time && id != FieldTable.Raw);
            var order = new List<int>();
            foreach (var p in patterns)
            {
                for (var i = 0; i < row.Count; i++)
                {
                    if (p.IsMatch(row.NameAt(i)) && !order.Contains(row.IdAt(i)))
                    {
                        order.Add(row.IdAt(i));
                    }
                }
            }

            row.MoveToFront(order);
        });
    }

    private Operator PlanHead(HeadCommand h)
    {
        if (h.Predicate is not null)
        {
            var expr = Compiler.Compile(h.Predicate);
            return new DelegateOperator("head (expr)", rows => Execution.Operators.Filtering.HeadWhile.Run(rows, expr, h.Count, h.KeepLast, h.NullPasses));
        }

        return new DelegateOperator($"head {h.Count}", rows => rows.Take(h.Count));
    }

    private static IEnumerable<Row> Tail(IEnumerable<Row> rows, int n)
    {
        var q = new Queue<Row>();
        foreach (var r in rows)
        {
            q.Enqueue(r);
            if (q.Count > n)
            {
                q.Dequeue();
            }
        }

        return q.Reverse();
    }

    /// <summary>makeresults: <c>count</c> results whose _time is the search's now (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Makeresults).</summary>
    private static IEnumerable<Row> MakeResults(int count, double searchNow)
    {
        var now = Math.Floor(searchNow);
        for (var i = 0; i < count; i++)
        {
            var r = new Row(4);
            r.Set(FieldTable.Time, Value.FromNumber(now));
            yield return r;
        }
    }

    private IEnumerable<Row> Reverse(IEnumerable<Row> rows)
    {
        using var held = Context.Budget.Hold("reverse");
        held.AddAll(rows);
        held.Emitting();
        for (var i = held.Rows.Count - 1; i >= 0; i--)
        {
            yield return held.Rows[i];
        }
    }

    private static IEnumerable<Row> Uniq(IEnumerable<Row> rows)
    {
        string? last = null;
        foreach (var r in rows)
        {
            var key = r.ToString();
            if (key != last)
            {
                yield return r;
            }

            last = key;
        }
    }

    /// <summary>sort: by each key in turn; numbers before strings, numbers numerically (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Sort).</summary>
    private Operator PlanSort(SortCommand s)
    {
        var comparer = RowComparer(s.Keys);
        return new DelegateOperator("sort " + string.Join(" ", s.Keys.Select(k => (k.Descending ? "-" : string.Empty) + k.Field)), Sort);

        IEnumerable<Row> Sort(IEnumerable<Row> rows)
        {
            using var held = Context.Budget.Hold("sort");
            held.AddAll(rows);
            held.Emitting();
            var sorted = held.Rows.Order(comparer);
            IEnumerable<Row> result = s.Reverse ? sorted.Reverse() : sorted;
            foreach (var r in result.Take(s.Limit))
            {
                yield return r;
            }
        }
    }

    private static IComparer<Row> RowComparer(IReadOnlyList<SortKey> keys)
    {
        var ids = keys.Select(k => (Id: FieldTable.Intern(k.Field), k.Descending, k.Type)).ToArray();
        return Comparer<Row>.Create((a, b) =>
        {
            foreach (var (id, desc, type) in ids)
            {
                var x = a.Get(id);
                var y = b.Get(id);
                int c;
                if (type == "str")
                {
                    c = string.CompareOrdinal(x.FirstString(), y.FirstString());
                }
                else if (type == "ip")
                {
                    c = CompareAsIp(x, y);
                }
                else
                {
                    c = ValueComparer.Instance.Compare(x, y);
                }

                if (c != 0)
                {
                    return desc && !(x.IsNull || y.IsNull) ? -c : c;
                }
            }

            return 0;
        });
    }

    /// <summary>
    /// sort ip(field): addresses in numeric order (IPv4 before IPv6, each by its bytes), so
    /// 9.1.1.1 comes before 10.0.0.9 before 10.0.0.10; values that are not addresses follow, in the
    /// usual order.
    /// </summary>
    private static int CompareAsIp(Value x, Value y)
    {
        var a = ParseIp(x);
        var b = ParseIp(y);
        if (a is null || b is null)
        {
            return a is not null ? -1 : b is not null ? 1 : ValueComparer.Instance.Compare(x, y);
        }

        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.AsSpan().SequenceCompareTo(b);

        static byte[]? ParseIp(Value v) =>
            v.FirstString() is { } s && System.Net.IPAddress.TryParse(s, out var ip) && (s.Contains(':', StringComparison.Ordinal) || s.Count(ch => ch == '.') == 3)
                ? ip.GetAddressBytes()
                : null;
    }

    /// <summary>dedup: keeps the first N rows for each combination of the fields; rows missing a field are dropped unless keepempty=true.</summary>
    private Operator PlanDedup(DedupCommand d)
    {
        var ids = d.Fields.Select(FieldTable.Intern).ToArray();
        var sortBy = d.SortBy.Count > 0 ? RowComparer(d.SortBy) : null;
        IEnumerable<Row> Run(IEnumerable<Row> rows)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            string? previous = null;
            foreach (var r in rows)
            {
                var parts = new string[ids.Length];
                var missing = false;
                for (var i = 0; i < ids.Length; i++)
                {
                    var v = r.Get(ids[i]);
                    if (v.IsNull)
                    {
                        missing = true;
                        break;
                    }

                    parts[i] = v.ToDisplayString();
                }

                if (missing)
                {
                    if (d.KeepEmpty)
                    {
                        yield return r;
                    }

                    continue;
                }

                var key = string.Join('\u0001', parts);
                if (d.Consecutive)
                {
                    if (key != previous)
                    {
                        yield return r;
                    }

                    previous = key;
                    continue;
                }

                seen.TryGetValue(key, out var n);
                if (n < d.Count)
                {
                    seen[key] = n + 1;
                    yield return r;
                }
            }
        }

        return new DelegateOperator("dedup " + string.Join(" ", d.Fields), rows => sortBy is null ? Run(rows) : Sorted(Run(rows), sortBy));

        IEnumerable<Row> Sorted(IEnumerable<Row> rows, IComparer<Row> comparer)
        {
            using var held = Context.Budget.Hold("dedup sortby");
            held.AddAll(rows);
            held.Emitting();
            foreach (var r in held.Rows.Order(comparer))
            {
                yield return r;
            }
        }
    }

    private Operator PlanFillNull(FillNullCommand f)
    {
        var value = Value.FromString(f.Value);
        if (f.Fields.Count > 0)
        {
            var ids = f.Fields.Select(FieldTable.Intern).ToArray();
            return new RowMapOperator("fillnull " + string.Join(" ", f.Fields), row =>
            {
                foreach (var id in ids)
                {
                    if (!row.Has(id))
                    {
                        row.Set(id, value);
                    }
                }
            });
        }

        // Without a field list, fillnull fills every field seen in any result (a blocking pass).
        return new DelegateOperator("fillnull", FillAll, mutates: true);

        IEnumerable<Row> FillAll(IEnumerable<Row> rows)
        {
            using var held = Context.Budget.Hold("fillnull");
            held.AddAll(rows);
            var list = held.Rows;
            var all = new List<int>();
            var seen = new HashSet<int>();
            foreach (var r in list)
            {
                for (var i = 0; i < r.Count; i++)
                {
                    if (seen.Add(r.IdAt(i)))
                    {
                        all.Add(r.IdAt(i));
                    }
                }
            }

            foreach (var r in list)
            {
                foreach (var id in all)
                {
                    if (!r.Has(id))
                    {
                        r.Set(id, value);
                    }
                }
            }

            held.Emitting();
            foreach (var r in list)
            {
                yield return r;
            }
        }
    }

    /// <summary>bin/bucket: _time floored to the span (1h, 1d); other numbers become the range "low-high" of their bucket.</summary>
    private Operator PlanBin(BinCommand b)
    {
        var from = FieldTable.Intern(b.Field);
        var to = FieldTable.Intern(b.Alias ?? b.Field);
        var spanText = b.SpanText;
        if (spanText is null)
        {
            // Without span, Splunk picks a span from bins/time range; for _time use one hour-free default of 1 day? Use bins when given.
            spanText = b.Field == "_time" ? "1h" : "1";
        }

        double span;
        var snapDays = false;
        if (b.Field == "_time" || spanText.Any(char.IsAsciiLetter))
        {
            span = Durations.Parse(spanText) ?? throw new DiagnosticException(SplDiagnostics.BadArguments("bin", b.Span, $"bad span `{spanText}`"));
            if (!(span > 0) || !double.IsFinite(span))
            {
                // A bin of no width holds nothing: every value would become NaN and vanish.
                throw new DiagnosticException(SplDiagnostics.BadArguments("bin", b.Span, $"span must be greater than zero, not `{spanText}`"));
            }

            snapDays = span >= 86400;
        }
        else if (!double.TryParse(spanText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out span) || span <= 0)
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("bin", b.Span, $"bad span `{spanText}`"));
        }

        return new RowMapOperator($"bin {b.Field} span={spanText}", row =>
        {
            if (!row.Get(from).TryGetNumber(out var v))
            {
                return;
            }

            double binned;
            if (snapDays && from == FieldTable.Time)
            {
                // Day spans snap to midnight in the search time zone.
                if (!SearchTimeZone.TryToLocal(v, out var localTime))
                {
                    return; // no calendar day for a time outside the years 1 to 9999
                }

                var local = localTime.Date;
                var days = Math.Floor((local - DateTime.UnixEpoch.Date).TotalDays / (span / 86400)) * (span / 86400);
                binned = SearchTimeZone.FromLocal(DateTime.UnixEpoch.Date.AddDays(days));
            }
            else
            {
                binned = Math.Floor(v / span) * span;
            }

            // A number other than _time falls in a range written "low-high", as Splunk's bin shows
            // it (bin amount span=10 gives 10-20); _time stays a number, the start of its bucket.
            row.Set(to, from == FieldTable.Time ? Value.FromNumber(binned) : Value.FromString(Value.FromNumber(binned).ToDisplayString() + "-" + Value.FromNumber(binned + span).ToDisplayString()));
        });
    }

    /// <summary>rex: named groups become fields (max_match&gt;1 makes multivalues); mode=sed rewrites the field with s/regex/replacement/flags.</summary>
    private Operator PlanRex(RexCommand r)
    {
        var field = FieldTable.Intern(r.Field);
        if (r.SedMode)
        {
            var rewrite = ParseSed(r);
            return new RowMapOperator("rex mode=sed", row =>
            {
                var v = row.Get(field);
                if (v.IsNull)
                {
                    return;
                }

                try
                {
                    row.Set(field, Value.FromString(rewrite(v.ToDisplayString())));
                }
                catch (RegexMatchTimeoutException)
                {
                    Context.Warn("SPL2002", "rex mode=sed timed out on one event; the event was kept unchanged");
                }
            });
        }

        Regex regex;
        try
        {
            regex = SplRegex.Create(r.Pattern);
        }
        catch (ArgumentException e)
        {
            throw new DiagnosticException(SplDiagnostics.BadRegex(r.Pattern, e.Message, r.Span));
        }

        var groups = regex.GetGroupNames().Where(g => !int.TryParse(g, out _)).Select(g => (Name: g, Id: FieldTable.Intern(g))).ToArray();
        var max = r.MaxMatch <= 0 ? int.MaxValue : r.MaxMatch;
        return new RowMapOperator("rex " + r.Pattern, row =>
        {
            var v = row.Get(field);
            if (v.IsNull)
            {
                return;
            }

            var text = v.FirstString()!;
            try
            {
                if (max == 1)
                {
                    var m = SplRegex.Match(regex, text, Context);
                    if (!m.Success)
                    {
                        return;
                    }

                    foreach (var (name, id) in groups)
                    {
                        if (m.Groups[name].Success)
                        {
                            row.Set(id, Value.FromString(m.Groups[name].Value));
                        }
                    }

                    return;
                }

                var values = groups.ToDictionary(g => g.Id, _ => new List<string>());
                foreach (var m in SplRegex.Matches(regex, text, max, Context))
                {
                    foreach (var (name, id) in groups)
                    {
                        if (m.Groups[name].Success)
                        {
                            values[id].Add(m.Groups[name].Value);
                        }
                    }
                }

                foreach (var (id, list) in values)
                {
                    if (list.Count > 0)
                    {
                        row.Set(id, Value.FromMulti(list));
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                Context.Warn("SPL2002", $"rex timed out on one event; the event was kept without the extraction");
            }
        });
    }

    /// <summary>
    /// rex mode=sed (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Rex):
    /// <c>s/regex/replacement/flags</c> replaces the first match, every match with flag g, or only
    /// the Nth match with a number N (flag i ignores case); <c>y/abc/xyz/</c> replaces each
    /// character of the first list by the character at the same place in the second.
    /// </summary>
    private Func<string, string> ParseSed(RexCommand r)
    {
        var p = r.Pattern;
        if (p.Length < 2 || p[0] is not ('s' or 'y'))
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("rex", r.Span, "mode=sed expects s/<regex>/<replacement>/<flags> or y/<characters>/<characters>/"));
        }

        var sep = p[1];
        var parts = new List<string>();
        var cur = new System.Text.StringBuilder();
        for (var i = 2; i < p.Length; i++)
        {
            if (p[i] == '\\' && i + 1 < p.Length && p[i + 1] == sep)
            {
                cur.Append(sep);
                i++;
                continue;
            }

            if (p[i] == sep)
            {
                parts.Add(cur.ToString());
                cur.Clear();
                continue;
            }

            cur.Append(p[i]);
        }

        parts.Add(cur.ToString());
        if (parts.Count < 2)
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("rex", r.Span, "mode=sed expects s/<regex>/<replacement>/<flags> or y/<characters>/<characters>/"));
        }

        if (p[0] == 'y')
        {
            var from = parts[0];
            var to = parts[1];
            if (from.Length != to.Length)
            {
                throw new DiagnosticException(SplDiagnostics.BadArguments("rex", r.Span, $"y/{from}/{to}/ needs two lists of the same length"));
            }

            return text =>
            {
                var chars = text.ToCharArray();
                for (var i = 0; i < chars.Length; i++)
                {
                    var at = from.IndexOf(chars[i], StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        chars[i] = to[at];
                    }
                }

                return new string(chars);
            };
        }

        var flags = parts.Count > 2 ? parts[2] : string.Empty;
        var digits = new string(flags.Where(char.IsAsciiDigit).ToArray());
        var nth = digits.Length > 0 && int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;
        var global = flags.Contains('g');
        Regex re;
        string replacement;
        try
        {
            replacement = Regex.Replace(parts[1].Replace("$", "$$", StringComparison.Ordinal), @"\\(\d)", "$${$1}");
            re = SplRegex.Create(parts[0], flags.Contains('i') ? RegexOptions.IgnoreCase : RegexOptions.None);
        }
        catch (ArgumentException e)
        {
            throw new DiagnosticException(SplDiagnostics.BadRegex(parts[0], e.Message, r.Span));
        }

        if (global)
        {
            return text => SplRegex.Replace(re, text, replacement, -1, Context);
        }

        if (nth <= 1)
        {
            return text => SplRegex.Replace(re, text, replacement, 1, Context);
        }

        return text =>
        {
            var seen = 0;
            string Nth() => re.Replace(text, m => ++seen == nth ? m.Result(replacement) : m.Value);
            return SplRegex.Backtracks(re) ? Context.Budget.TimeRegex(re, Nth) : Nth();
        };
    }

    private Operator PlanRegex(RegexCommand r)
    {
        Regex regex;
        try
        {
            regex = SplRegex.Create(r.Pattern);
        }
        catch (ArgumentException e)
        {
            throw new DiagnosticException(SplDiagnostics.BadRegex(r.Pattern, e.Message, r.Span));
        }

        var field = FieldTable.Intern(r.Field);
        return new FilterOperator($"regex {r.Field}{(r.Negate ? "!=" : "=")}{r.Pattern}", row =>
        {
            var v = row.Get(field);
            var any = false;
            foreach (var item in v.Items)
            {
                if (SplRegex.SafeIsMatch(regex, item, Context))
                {
                    any = true;
                    break;
                }
            }

            // regex field!=re keeps events whose field does not match, including events without the field.
            return r.Negate ? !any : any;
        });
    }

    /// <summary>top/rare: counts of each value combination, with percent of all events, most (or least) frequent first.</summary>
    private Operator PlanTop(TopCommand t)
    {
        var fieldIds = t.Fields.Select(FieldTable.Intern).ToArray();
        var byIds = t.By.Select(FieldTable.Intern).ToArray();
        var countId = FieldTable.Intern(t.CountField);
        var percentId = FieldTable.Intern(t.PercentField);
        return new DelegateOperator((t.Rare ? "rare " : "top ") + string.Join(" ", t.Fields), rows =>
        {
            var groups = new Dictionary<string, (Value[] By, Dictionary<string, (Value[] Vals, long N)> Counts, long Total)>(StringComparer.Ordinal);
            foreach (var r in rows)
            {
                var by = byIds.Select(r.Get).ToArray();
                if (by.Any(v => v.IsNull))
                {
                    continue;
                }

                var vals = fieldIds.Select(r.Get).ToArray();
                if (vals.Any(v => v.IsNull))
                {
                    continue;
                }

                var bk = string.Join('\u0001', by.Select(v => v.ToDisplayString()));
                if (!groups.TryGetValue(bk, out var g))
                {
                    g = (by, new Dictionary<string, (Value[], long)>(StringComparer.Ordinal), 0);
                }

                var vk = string.Join('\u0001', vals.Select(v => v.ToDisplayString()));
                g.Counts.TryGetValue(vk, out var c);
                g.Counts[vk] = (vals, c.N + 1);
                g.Total++;
                groups[bk] = g;
            }

            var output = new List<Row>();
            foreach (var g in groups.Values)
            {
                var ordered = t.Rare ? g.Counts.Values.OrderBy(c => c.N) : g.Counts.Values.OrderByDescending(c => c.N);
                foreach (var (vals, n) in ordered.Take(t.Limit))
                {
                    var row = new Row();
                    for (var i = 0; i < byIds.Length; i++)
                    {
                        row.Set(byIds[i], g.By[i]);
                    }

                    for (var i = 0; i < fieldIds.Length; i++)
                    {
                        row.Set(fieldIds[i], vals[i]);
                    }

                    if (t.ShowCount)
                    {
                        row.Set(countId, Value.FromNumber(n));
                    }

                    if (t.ShowPercent)
                    {
                        row.Set(percentId, Value.FromString((100.0 * n / g.Total).ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture)));
                    }

                    output.Add(row);
                }
            }

            return output;
        });
    }

    private Operator PlanMvExpand(MvExpandCommand m)
    {
        var id = FieldTable.Intern(m.Field);
        return new DelegateOperator("mvexpand " + m.Field, rows => Expand(rows), mutates: true);

        IEnumerable<Row> Expand(IEnumerable<Row> rows)
        {
            foreach (var r in rows)
            {
                var v = r.Get(id);
                if (v.IsNull)
                {
                    continue;
                }

                if (!v.IsMulti)
                {
                    yield return r;
                    continue;
                }

                var n = 0;
                foreach (var item in v.Items.ToArray())
                {
                    if (m.Limit is { } l && n++ >= l)
                    {
                        break;
                    }

                    var copy = r.Clone();
                    copy.Set(id, Value.FromString(item));
                    yield return copy;
                }
            }
        }
    }

    private Operator PlanMakeMv(MakeMvCommand m)
    {
        var id = FieldTable.Intern(m.Field);
        Regex? tokenizer = null;
        if (m.Tokenizer is not null)
        {
            try
            {
                tokenizer = SplRegex.Create(m.Tokenizer);
            }
            catch (ArgumentException e)
            {
                throw new DiagnosticException(SplDiagnostics.BadRegex(m.Tokenizer, e.Message, m.Span));
            }
        }

        return new RowMapOperator("makemv " + m.Field, row =>
        {
            var s = row.Get(id).FirstString();
            if (s is null)
            {
                return;
            }

            List<string> parts;
            if (tokenizer is not null)
            {
                try
                {
                    parts = SplRegex.Matches(tokenizer, s, int.MaxValue, Context).Select(x => x.Groups.Count > 1 ? x.Groups[1].Value : x.Value).ToList();
                }
                catch (RegexMatchTimeoutException)
                {
                    Context.Warn("SPL2004", "makemv tokenizer timed out on one value; the field is left as it was");
                    return;
                }
            }
            else
            {
                parts = s.Split(m.Delimiter ?? " ").Where(p => m.AllowEmpty || p.Length > 0).ToList();
            }

            row.Set(id, Value.FromMulti(parts));
        });
    }

    private Operator PlanAddTotals(AddTotalsCommand a)
    {
        var patterns = a.Fields.Select(f => new FieldPattern(f)).ToArray();
        var totalId = FieldTable.Intern(a.FieldName);
        var rowTotals = new RowMapOperator("addtotals", row =>
        {
            if (!a.Row)
            {
                return;
            }

            double sum = 0;
            for (var i = 0; i < row.Count; i++)
            {
                var name = row.NameAt(i);
                if (name.StartsWith('_') || (patterns.Length > 0 && !patterns.Any(p => p.IsMatch(name))))
                {
                    continue;
                }

                if (row.ValueAt(i).TryGetNumber(out var d))
                {
                    sum += d;
                }
            }

            row.Set(totalId, Value.FromNumber(sum));
        });
        return a.Col
            ? new DelegateOperator("addtotals col=t", rows => Execution.Operators.Reporting.ColumnTotals.Run(rowTotals.Execute(rows), patterns, a.LabelField, a.Label), mutates: true)
            : rowTotals;
    }

    private Operator PlanReplace(ReplaceCommand r)
    {
        var pairs = r.Pairs.Select(p => (Pattern: new FieldPattern(p.From), p.To)).ToArray();
        var fields = r.Fields.Select(f => new FieldPattern(f)).ToArray();
        return new RowMapOperator("replace", row =>
        {
            for (var i = 0; i < row.Count; i++)
            {
                var name = row.NameAt(i);
                if (fields.Length > 0 ? !fields.Any(f => f.IsMatch(name)) : name.StartsWith('_'))
                {
                    continue;
                }

                var v = row.ValueAt(i).FirstString();
                if (v is null)
                {
                    continue;
                }

                foreach (var (pattern, to) in pairs)
                {
                    if (pattern.Rewrite(v, to) is { } replaced)
                    {
                        row.Set(row.IdAt(i), Value.FromString(replaced));
                        break;
                    }
                }
            }
        });
    }

    /// <summary>spath: extracts JSON (or XML) paths from a field; without a path, every leaf becomes a field.</summary>
    private Operator PlanSpath(SpathCommand s)
    {
        var input = FieldTable.Intern(s.Input);
        var output = FieldTable.Intern(s.Output ?? s.Path ?? "spath");
        return new RowMapOperator("spath", row =>
        {
            var text = row.Get(input).FirstString();
            if (string.IsNullOrEmpty(text))
            {
                return;
            }

            if (s.Path is not null)
            {
                var v = JsonPath.Extract(text, s.Path);
                if (!v.IsNull)
                {
                    row.Set(output, v);
                }

                return;
            }

            try
            {
                using var doc = JsonDocument.Parse(text);
                var collected = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                JsonPath.Flatten(doc.RootElement, string.Empty, (k, v) =>
                {
                    if (!collected.TryGetValue(k, out var list))
                    {
                        collected[k] = list = [];
                    }

                    list.Add(v);
                });
                foreach (var (k, list) in collected)
                {
                    row.Set(FieldTable.Intern(k), Value.FromMulti(list));
                }
            }
            catch (JsonException)
            {
                // Not JSON: spath leaves the event as it is.
            }
        });
    }

    /// <summary>xmlkv: every <c>&lt;tag&gt;value&lt;/tag&gt;</c> in the field becomes tag=value.</summary>
    private Operator PlanXmlKv(XmlKvCommand x)
    {
        var input = FieldTable.Intern(x.Field);
        var re = XmlKvRegex();
        return new RowMapOperator("xmlkv", row =>
        {
            var text = row.Get(input).FirstString();
            if (text is null)
            {
                return;
            }

            foreach (Match m in re.Matches(text))
            {
                row.Set(FieldTable.Intern(m.Groups[1].Value), Value.FromString(m.Groups[2].Value));
            }
        });
    }

    /// <summary>
    /// timechart (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Timechart):
    /// buckets _time by span (default 1 hour here), aggregates per bucket, and with a by field puts
    /// each of its values (the `limit` most frequent, the rest as OTHER; limit=0 keeps all) in its
    /// own column; empty buckets between the first and last are filled, count-like columns with 0.
    /// </summary>
    private Operator PlanTimechart(TimechartCommand t)
    {
        var span = t.SpanText is null ? 3600 : Durations.Parse(t.SpanText) ?? throw new DiagnosticException(SplDiagnostics.BadArguments("timechart", t.Span, $"bad span `{t.SpanText}`"));
        var aggs = PlanAggregations(t.Aggregations, "timechart");
        var byId = t.By is null ? -1 : FieldTable.Intern(t.By);
        return new DelegateOperator("timechart", rows =>
        {
            var cells = new SortedDictionary<double, Dictionary<string, Functions.Stats.Aggregator[]>>();
            var totals = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var r in rows)
            {
                var time = r.Time;
                if (double.IsNaN(time))
                {
                    continue;
                }

                var bucket = Math.Floor(time / span) * span;
                var series = byId < 0 ? string.Empty : r.Get(byId).FirstString() ?? "NULL";
                if (!cells.TryGetValue(bucket, out var bySeries))
                {
                    cells[bucket] = bySeries = new Dictionary<string, Functions.Stats.Aggregator[]>(StringComparer.Ordinal);
                }

                if (!bySeries.TryGetValue(series, out var states))
                {
                    bySeries[series] = states = aggs.Select(a => a.Function.Create()).ToArray();
                }

                totals[series] = totals.GetValueOrDefault(series) + 1;
                for (var i = 0; i < aggs.Count; i++)
                {
                    var v = aggs[i].Input is null ? Value.True : aggs[i].Input!(r);
                    if (!v.IsNull)
                    {
                        states[i].Add(v, time);
                    }
                }
            }

            var keep = t.Limit <= 0 ? totals.Keys.ToHashSet(StringComparer.Ordinal) : totals.OrderByDescending(kv => kv.Value).Take(t.Limit).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
            var columns = totals.Keys.Where(keep.Contains).Order(StringComparer.Ordinal).ToList();
            if (keep.Count < totals.Count)
            {
                columns.Add("OTHER");
            }

            var output = new List<Row>();
            if (cells.Count == 0)
            {
                return output;
            }

            // Empty buckets are filled between the first and the last, up to Splunk's default result
            // limit (maxresultrows 50,000); past that only buckets with events are kept.
            var first = cells.Keys.First();
            var last = cells.Keys.Last();
            var fill = (last - first) / span < 50_000;
            IEnumerable<double> buckets = fill ? Buckets(first, last, span) : cells.Keys;
            foreach (var b in buckets)
            {
                var row = new Row();
                row.Set(FieldTable.Time, Value.FromNumber(b));
                cells.TryGetValue(b, out var bySeries);
                foreach (var col in columns)
                {
                    for (var i = 0; i < aggs.Count; i++)
                    {
                        var name = byId < 0 ? aggs[i].OutputName : aggs.Count == 1 ? col : $"{aggs[i].OutputName}: {col}";
                        Value v = Value.Null;
                        if (bySeries is not null)
                        {
                            if (col == "OTHER")
                            {
                                var sum = bySeries.Where(kv => !keep.Contains(kv.Key)).Sum(kv => kv.Value[i].Result().TryGetNumber(out var d) ? d : 0);
                                v = Value.FromNumber(sum);
                            }
                            else if (bySeries.TryGetValue(col, out var states))
                            {
                                v = states[i].Result();
                            }
                        }

                        if (v.IsNull && aggs[i].Function.Name is "count" or "c" or "dc" or "distinct_count" or "sum")
                        {
                            v = Value.FromNumber(0);
                        }

                        row.Set(FieldTable.Intern(name), v);
                    }
                }

                output.Add(row);
            }

            return output;
        });
    }

    private static IEnumerable<double> Buckets(double first, double last, double span)
    {
        for (var b = first; b <= last; b += span)
        {
            yield return b;
        }
    }

    [GeneratedRegex(@"<([A-Za-z_][\w\-.]*)(?:\s[^>]*)?>([^<]*)</\1>")]
    private static partial Regex XmlKvRegex();
}
