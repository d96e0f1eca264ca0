using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Functions.Eval;

internal static partial class FunctionCatalog
{
    private static void RegisterMultivalue()
    {
        Scalar("mvcount", 1, 1, (a, _) => a[0].IsNull ? Value.Null : Value.FromNumber(a[0].Count));
        Scalar("mvindex", 2, 3, (a, _) =>
        {
            if (a[0].IsNull || !Num(a[1], out var s))
            {
                return Value.Null;
            }

            var items = a[0].Items;
            var n = items.Length;
            var start = (int)s < 0 ? n + (int)s : (int)s;
            if (start < 0 || start >= n)
            {
                return Value.Null;
            }

            if (a.Length < 3)
            {
                return Value.FromString(items[start]);
            }

            if (!Num(a[2], out var e))
            {
                return Value.Null;
            }

            var end = (int)e < 0 ? n + (int)e : (int)e;
            end = Math.Min(end, n - 1);
            if (end < start)
            {
                return Value.Null;
            }

            return Value.FromMulti(items[start..(end + 1)].ToArray());
        });
        Scalar("mvfind", 2, 2, (a, ctx) =>
        {
            if (a[0].IsNull || a[1].IsNull)
            {
                return Value.Null;
            }

            var re = GetRegex(a[1].ToDisplayString(), ctx);
            if (re is null)
            {
                return Value.Null;
            }

            var items = a[0].Items;
            for (var i = 0; i < items.Length; i++)
            {
                if (SplRegex.SafeIsMatch(re, items[i], ctx.Search))
                {
                    return Value.FromNumber(i);
                }
            }

            return Value.Null;
        });
    }

    /// <summary>Functions that join, append, deduplicate, sort and zip multivalues.</summary>
    private static string MvToJsonArray(string[] values, bool inferTypes)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var v in values)
            {
                if (!inferTypes)
                {
                    w.WriteStringValue(v);
                    continue;
                }

                var text = v.Trim();
                try
                {
                    using var doc = System.Text.Json.JsonDocument.Parse(text);
                    doc.RootElement.WriteTo(w);
                }
                catch (System.Text.Json.JsonException)
                {
                    w.WriteNullValue();
                }
            }

            w.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void RegisterMultivalueCombining()
    {
        Scalar("mvjoin", 2, 2, (a, _) =>
        {
            if (a[0].IsNull)
            {
                return Value.Null;
            }

            var items = a[0].Items.ToArray();
            var delimiter = Str(a[1]) ?? string.Empty;
            ValueLimits.Check("mvjoin", items.Sum(i => (long)i.Length) + ((long)delimiter.Length * Math.Max(0, items.Length - 1)));
            return Value.FromString(string.Join(delimiter, items));
        });
        Scalar("mvappend", 1, int.MaxValue, (a, _) =>
        {
            var list = new List<string>();
            foreach (var v in a)
            {
                list.AddRange(v.Items.ToArray());
            }

            return Value.FromMulti(list);
        });
        Scalar("mvdedup", 1, 1, (a, _) => a[0].IsNull ? Value.Null : Value.FromMulti(a[0].Items.ToArray().Distinct(StringComparer.Ordinal).ToList()));
        // mv_to_json_array(<field>, <infer_types>) (Multivalue eval functions, 10.0): by default every
        // value is a JSON string; with true() "the function removes one set of bracketing quote
        // characters from each value" and an element that is no proper JSON value becomes null
        // (the ponies example: ["Buttercup","Fluttershy","Rarity",true,null]).
        Scalar("mv_to_json_array", 1, 2, (a, _) => a[0].IsNull ? Value.Null : Value.FromString(MvToJsonArray(a[0].Items.ToArray(), a.Length > 1 && a[1].IsBoolean && a[1].RawBoolean)));
        // "The mvreverse command reverses the order of the values in a multivalue field" (Multivalue eval functions).
        Scalar("mvreverse", 1, 1, (a, _) =>
        {
            if (a[0].IsNull)
            {
                return Value.Null;
            }

            var arr = a[0].Items.ToArray();
            Array.Reverse(arr);
            return Value.FromMultiOwned(arr);
        });
        Scalar("mvsort", 1, 1, (a, _) =>
        {
            if (a[0].IsNull)
            {
                return Value.Null;
            }

            var arr = a[0].Items.ToArray();
            Array.Sort(arr, StringComparer.Ordinal);
            return Value.FromMultiOwned(arr);
        });
        Scalar("mvzip", 2, 3, (a, _) =>
        {
            if (a[0].IsNull || a[1].IsNull)
            {
                return Value.Null;
            }

            var x = a[0].Items;
            var y = a[1].Items;
            var delim = a.Length > 2 ? Str(a[2]) ?? "," : ",";
            var n = Math.Min(x.Length, y.Length);
            long total = (long)n * delim.Length;
            for (var i = 0; i < n; i++)
            {
                total += x[i].Length + y[i].Length;
            }

            ValueLimits.Check("mvzip", total);
            var result = new string[n];
            for (var i = 0; i < n; i++)
            {
                result[i] = x[i] + delim + y[i];
            }

            return Value.FromMultiOwned(result);
        });
    }

    /// <summary>Functions that make multivalues from text or numbers, and the lambda forms mvfilter and mvmap.</summary>
    private static void RegisterMultivalueMaking()
    {
        Scalar("split", 2, 2, (a, _) =>
        {
            if (a[0].IsNull || a[1].IsNull)
            {
                return Value.Null;
            }

            var s = Str(a[0])!;
            var d = Str(a[1])!;
            var parts = d.Length == 0 ? s.Select(ch => ch.ToString()).ToArray() : s.Split(d);
            return Value.FromMultiOwned(parts);
        });
        Scalar("mvrange", 2, 3, (a, _) =>
        {
            if (!Num(a[0], out var start) || !Num(a[1], out var end))
            {
                return Value.Null;
            }

            var step = 1.0;
            if (a.Length > 2 && Num(a[2], out var st))
            {
                if (st == 0 || !double.IsFinite(st))
                {
                    // A zero step never reaches the end: refuse it rather than loop or guess.
                    throw new SearchLimitException($"Error in 'eval': mvrange step must be a non-zero number, not {Value.FormatNumber(st)}");
                }

                step = st;
            }

            if (!double.IsFinite(start) || !double.IsFinite(end))
            {
                return Value.Null;
            }

            // The values run from start towards end, excluding it; a negative step counts down.
            var count = (end - start) / step > 0 ? Math.Ceiling((end - start) / step) : 0;
            if (count > ValueLimits.MaxRangeValues)
            {
                throw new SearchLimitException($"Error in 'eval': mvrange({Value.FormatNumber(start)}, {Value.FormatNumber(end)}, {Value.FormatNumber(step)}) would build {count:N0} values, more than the limit of {ValueLimits.MaxRangeValues:N0}");
            }

            var list = new List<string>((int)count);
            for (var x = start; (step > 0 ? x < end : x > end) && list.Count < count; x += step)
            {
                list.Add(Value.FormatNumber(x));
            }

            return Value.FromMulti(list);
        });
        Special("mvfilter", 1, 1, (args, c) => CompileMvLambda(args[0], c, filter: true));
        Special("mvmap", 2, 2, (args, c) =>
        {
            var mv = c.Compile(args[0]);
            var field = args[0] is FieldRef f ? FieldTable.Intern(f.Name) : -1;
            var body = c.Compile(args[1]);
            return r => MapOver(r, mv(r), field, body, filter: false);
        });
    }

    /// <summary>mvfilter(expr): expr names one multivalue field and is evaluated once per value of it.</summary>
    private static CompiledExpr CompileMvLambda(Expr body, IEvalCompiler c, bool filter)
    {
        var field = FindFirstField(body) ?? throw new Core.Diagnostics.DiagnosticException(Syntax.SplDiagnostics.BadArguments("mvfilter", body.Span, "the expression must reference a field"));
        var id = FieldTable.Intern(field);
        var compiled = c.Compile(body);
        return r => MapOver(r, r.Get(id), id, compiled, filter);
    }

    private static Value MapOver(Row r, Value mv, int fieldId, CompiledExpr body, bool filter)
    {
        if (mv.IsNull)
        {
            return Value.Null;
        }

        var results = new List<string>();
        var scratch = r.Clone();
        long total = 0;
        foreach (var item in mv.Items)
        {
            if (fieldId >= 0)
            {
                scratch.Set(fieldId, Value.FromString(item));
            }

            var v = body(scratch);
            if (filter)
            {
                if (EvalComparison.IsTrue(v))
                {
                    results.Add(item);
                }
            }
            else if (!v.IsNull)
            {
                foreach (var produced in v.Items)
                {
                    // Each item may produce a long value: count as we go so the whole stays under the limit.
                    total += produced.Length;
                    ValueLimits.Check(filter ? "mvfilter" : "mvmap", total);
                    results.Add(produced);
                }
            }
        }

        return Value.FromMulti(results);
    }

    private static string? FindFirstField(Expr e) => e switch
    {
        FieldRef f => f.Name,
        Unary u => FindFirstField(u.Operand),
        Binary b => FindFirstField(b.Left) ?? FindFirstField(b.Right),
        Call call => call.Args.Select(FindFirstField).FirstOrDefault(x => x is not null),
        _ => null,
    };
}
