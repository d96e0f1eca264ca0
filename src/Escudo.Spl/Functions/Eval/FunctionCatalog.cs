using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Functions.Eval;

/// <summary>
/// The eval functions, by name. Semantics from Splunk's "Evaluation functions" reference
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/CommonEvalFunctions and
/// the per-family pages it links). Null in, null out, unless the function is about nulls.
/// </summary>
internal static partial class FunctionCatalog
{
    private static readonly Dictionary<string, EvalFunction> Functions = new(StringComparer.OrdinalIgnoreCase);

    static FunctionCatalog()
    {
        RegisterConditional();
        RegisterText();
        RegisterMath();
        RegisterMultivalue();
        RegisterTime();
        RegisterConversion();
        RegisterOther();
    }

    public static EvalFunction? Find(string name) => Functions.GetValueOrDefault(name);

    public static IEnumerable<string> Names => Functions.Keys;

    private static void Scalar(string name, int min, int max, Func<Value[], FunctionContext, Value> fn) =>
        Functions[name] = new EvalFunction { Name = name, MinArgs = min, MaxArgs = max, Scalar = fn };

    private static void Special(string name, int min, int max, Func<IReadOnlyList<Expr>, ExpressionCompiler, CompiledExpr> fn) =>
        Functions[name] = new EvalFunction { Name = name, MinArgs = min, MaxArgs = max, Special = fn };

    private static string? Str(Value v) => v.FirstString();

    private static bool Num(Value v, out double d) => v.TryGetNumber(out d);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex?> RegexCache = new();

    /// <summary>A PCRE-ish pattern as .NET regex; null (and a warning) when it does not compile.</summary>
    public static Regex? GetRegex(string pattern, FunctionContext? ctx)
    {
        var re = RegexCache.GetOrAdd(pattern, p =>
        {
            try
            {
                return SplRegex.Create(p);
            }
            catch (ArgumentException)
            {
                return null;
            }
        });
        if (re is null)
        {
            ctx?.Warn($"bad regular expression `{pattern}`");
        }

        return re;
    }

    /// <summary>PCRE named groups <c>(?P&lt;name&gt;...)</c> become .NET's <c>(?&lt;name&gt;...)</c>; the rest is shared syntax.</summary>
    public static string PcreToDotNet(string pattern)
    {
        var p = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);
        // PCRE reads `\_` as a literal underscore; .NET rejects the escape.
        p = PcreUnderscoreEscape().Replace(p, "$1_");
        // PCRE's \x{202E} is .NET's \u202E (code points above the BMP become a surrogate pair).
        return PcreHexEscape().Replace(p, m =>
        {
            var cp = Convert.ToInt32(m.Groups[1].Value, 16);
            return cp <= 0xFFFF ? $"\\u{cp:X4}" : string.Concat(char.ConvertFromUtf32(cp).Select(c => $"\\u{(int)c:X4}"));
        });
    }

    [GeneratedRegex(@"(?<!\\)((?:\\\\)*)\\_")]
    private static partial Regex PcreUnderscoreEscape();

    [GeneratedRegex(@"\\x\{([0-9A-Fa-f]{1,6})\}")]
    private static partial Regex PcreHexEscape();

    private static void RegisterConditional()
    {
        Special("if", 3, 3, (args, c) =>
        {
            var cond = c.CompilePredicate(args[0]);
            var a = c.Compile(args[1]);
            var b = c.Compile(args[2]);
            return r => cond(r) ? a(r) : b(r);
        });
        Special("case", 2, int.MaxValue, (args, c) =>
        {
            var pairs = new List<(Func<Row, bool>, CompiledExpr)>();
            for (var i = 0; i + 1 < args.Count; i += 2)
            {
                pairs.Add((c.CompilePredicate(args[i]), c.Compile(args[i + 1])));
            }

            var arr = pairs.ToArray();
            return r =>
            {
                foreach (var (cond, val) in arr)
                {
                    if (cond(r))
                    {
                        return val(r);
                    }
                }

                return Value.Null;
            };
        });
        Special("coalesce", 1, int.MaxValue, (args, c) =>
        {
            var es = args.Select(c.Compile).ToArray();
            return r =>
            {
                foreach (var e in es)
                {
                    var v = e(r);
                    if (!v.IsNull)
                    {
                        return v;
                    }
                }

                return Value.Null;
            };
        });
        Special("validate", 2, int.MaxValue, (args, c) =>
        {
            var pairs = new List<(Func<Row, bool>, CompiledExpr)>();
            for (var i = 0; i + 1 < args.Count; i += 2)
            {
                pairs.Add((c.CompilePredicate(args[i]), c.Compile(args[i + 1])));
            }

            return r =>
            {
                foreach (var (cond, val) in pairs)
                {
                    if (!cond(r))
                    {
                        return val(r);
                    }
                }

                return Value.Null;
            };
        });
        Scalar("isnull", 1, 1, (a, _) => Value.FromBoolean(a[0].IsNull));
        Scalar("isnotnull", 1, 1, (a, _) => Value.FromBoolean(!a[0].IsNull));
        Scalar("null", 0, 0, (_, _) => Value.Null);
        Scalar("true", 0, 0, (_, _) => Value.True);
        Scalar("false", 0, 0, (_, _) => Value.False);
        Scalar("nullif", 2, 2, (a, _) => ExpressionCompiler.IsTrue(ExpressionCompiler.Equality(a[0], a[1], false)) ? Value.Null : a[0]);
        Scalar("like", 2, 2, (a, _) => a[0].IsNull || a[1].IsNull ? Value.Null : Value.FromBoolean(LikePattern.IsMatch(a[1].ToDisplayString(), Str(a[0])!)));
        Scalar("match", 2, 2, (a, ctx) =>
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

            foreach (var item in a[0].Items)
            {
                if (SplRegex.SafeIsMatch(re, item, ctx.Search))
                {
                    return Value.True;
                }
            }

            return Value.False;
        });
        Scalar("cidrmatch", 2, 2, (a, _) =>
        {
            if (a[0].IsNull || a[1].IsNull || !IPNetwork.TryParse(a[0].ToDisplayString(), out var net))
            {
                return a[0].IsNull || a[1].IsNull ? Value.Null : Value.False;
            }

            return Value.FromBoolean(IPAddress.TryParse(Str(a[1]), out var ip) && ip.AddressFamily == net.BaseAddress.AddressFamily && net.Contains(ip));
        });
        Scalar("in", 1, int.MaxValue, (a, _) =>
        {
            if (a[0].IsNull)
            {
                return Value.Null;
            }

            for (var i = 1; i < a.Length; i++)
            {
                if (ExpressionCompiler.IsTrue(ExpressionCompiler.Equality(a[0], a[i], false)))
                {
                    return Value.True;
                }
            }

            return Value.False;
        });
        Special("searchmatch", 1, 1, (args, c) =>
        {
            if (args[0] is not StringLiteral s)
            {
                throw new Core.Diagnostics.DiagnosticException(Syntax.SplDiagnostics.BadArguments("searchmatch", args[0].Span, "the argument must be a quoted search string"));
            }

            var parsed = Syntax.Parser.Parse(s.Value);
            var expr = parsed.Success && parsed.Value.Commands.FirstOrDefault() is SearchCommand sc ? sc.Expr : new SearchAll(default);
            Func<Row, bool> pred;
            try
            {
                pred = SearchPredicateCompiler.Compile(expr, c.Context);
            }
            catch (Core.Diagnostics.DiagnosticException e)
            {
                // The string is parsed apart, so its positions mean nothing in the search: point at the argument.
                throw new Core.Diagnostics.DiagnosticException(e.Diagnostic with { Span = s.Span, Message = "searchmatch: " + e.Diagnostic.Message });
            }

            return r => Value.FromBoolean(pred(r));
        });
    }

    /// <summary>
    /// Characters as a reader counts them (grapheme clusters). In ASCII text the only cluster of
    /// two chars is CR LF (Unicode text segmentation, UAX #29, rule GB3), so the common case needs
    /// no segmentation, which costs far more than the rest of a typical eval.
    /// </summary>
    /// <summary>
    /// len(): "a count of the UTF-8 code points in a string" (Text functions, Search Reference), so
    /// CR LF is two, a combining mark counts on its own, and a character outside the BMP (a UTF-16
    /// surrogate pair) is one.
    /// </summary>
    internal static int TextLength(string s)
    {
        if (Ascii.IsValid(s))
        {
            return s.Length;
        }

        var count = 0;
        foreach (var _ in s.AsSpan().EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static void RegisterText()
    {
        Scalar("lower", 1, 1, (a, _) => MapItems(a[0], s => s.ToLowerInvariant()));
        Scalar("upper", 1, 1, (a, _) => MapItems(a[0], s => s.ToUpperInvariant()));
        Scalar("len", 1, 1, (a, _) => a[0].IsNull ? Value.Null : Value.FromNumber(TextLength(Str(a[0])!)));
        Scalar("substr", 2, 3, (a, _) =>
        {
            if (a[0].IsNull || !Num(a[1], out var start))
            {
                return Value.Null;
            }

            var s = Str(a[0])!;
            // Splunk's substr is 1-based; a negative start counts from the end.
            // A fractional start counts as its integer part (0.5 is 0, the first character).
            var first = Math.Truncate(start);
            var begin = first > 0 ? (int)Math.Min(first - 1, s.Length) : first < 0 ? (int)Math.Max(0, s.Length + first) : 0;
            if (begin >= s.Length)
            {
                return Value.EmptyString;
            }

            var length = a.Length > 2 && Num(a[2], out var l) ? (int)l : s.Length - begin;
            length = Math.Clamp(length, 0, s.Length - begin);
            return Value.FromString(s.Substring(begin, length));
        });
        Scalar("replace", 3, 3, (a, ctx) =>
        {
            if (a[0].IsNull || a[1].IsNull || a[2].IsNull)
            {
                return Value.Null;
            }

            var re = GetRegex(a[1].ToDisplayString(), ctx);
            if (re is null)
            {
                return Value.Null;
            }

            var replacement = ToDotNetReplacement(a[2].ToDisplayString());
            try
            {
                return MapItems(a[0], s => BoundedReplace(re, s, replacement, ctx.Search));
            }
            catch (RegexMatchTimeoutException)
            {
                ctx.Warn($"replace() timed out on one value of `{a[1].ToDisplayString()}`; the value is left null");
                return Value.Null;
            }
        });
        Scalar("trim", 1, 2, (a, _) => a[0].IsNull || (a.Length > 1 && a[1].IsNull) ? Value.Null : Value.FromString(a.Length > 1 ? Str(a[0])!.Trim(Str(a[1])!.ToCharArray()) : Str(a[0])!.Trim(' ', '\t')));
        Scalar("ltrim", 1, 2, (a, _) => a[0].IsNull || (a.Length > 1 && a[1].IsNull) ? Value.Null : Value.FromString(a.Length > 1 ? Str(a[0])!.TrimStart(Str(a[1])!.ToCharArray()) : Str(a[0])!.TrimStart(' ', '\t')));
        Scalar("rtrim", 1, 2, (a, _) => a[0].IsNull || (a.Length > 1 && a[1].IsNull) ? Value.Null : Value.FromString(a.Length > 1 ? Str(a[0])!.TrimEnd(Str(a[1])!.ToCharArray()) : Str(a[0])!.TrimEnd(' ', '\t')));
        Scalar("urldecode", 1, 1, (a, _) => a[0].IsNull ? Value.Null : Value.FromString(Uri.UnescapeDataString(Str(a[0])!.Replace('+', ' '))));
        Scalar("spath", 2, 2, (a, _) => a[0].IsNull || a[1].IsNull ? Value.Null : JsonPath.Extract(Str(a[0])!, Str(a[1])!));
        Scalar("printf", 1, int.MaxValue, (a, _) => a[0].IsNull ? Value.Null : Value.FromString(Printf.Format(Str(a[0])!, a.AsSpan(1))));
    }

    /// <summary>Splunk's replace() uses \1 for groups; .NET uses $1.</summary>
    private static string ToDotNetReplacement(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '$')
            {
                sb.Append("$$");
            }
            else if (s[i] == '\\' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
            {
                sb.Append("${").Append(s[i + 1]).Append('}');
                i++;
            }
            else if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] == '\\')
            {
                sb.Append('\\');
                i++;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }

    private static Value MapItems(Value v, Func<string, string> f)
    {
        if (v.IsNull)
        {
            return v;
        }

        if (!v.IsMulti)
        {
            return Value.FromString(f(v.ToDisplayString()));
        }

        var items = v.Items;
        var result = new string[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            result[i] = f(items[i]);
        }

        return Value.FromMultiOwned(result);
    }

    private static void RegisterMath()
    {
        Scalar("abs", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Abs(d)) : Value.Null);
        Scalar("ceiling", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Ceiling(d)) : Value.Null);
        Scalar("ceil", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Ceiling(d)) : Value.Null);
        Scalar("floor", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Floor(d)) : Value.Null);
        Scalar("round", 1, 2, (a, _) =>
        {
            if (!Num(a[0], out var d))
            {
                return Value.Null;
            }

            var digits = a.Length > 1 && Num(a[1], out var p) ? p : 0;
            if (double.IsNaN(digits) || digits > MaxRoundDigits)
            {
                // A double holds 17 significant digits; more decimals than this are only zeros to display.
                return Value.Null;
            }

            return Round(d, (int)digits);
        });
        Scalar("pow", 2, 2, (a, _) => Num(a[0], out var x) && Num(a[1], out var y) ? Value.FromNumber(Math.Pow(x, y)) : Value.Null);
        Scalar("sqrt", 1, 1, (a, _) => Num(a[0], out var d) && d >= 0 ? Value.FromNumber(Math.Sqrt(d)) : Value.Null);
        Scalar("exp", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(Math.Exp(d)) : Value.Null);
        Scalar("ln", 1, 1, (a, _) => Num(a[0], out var d) && d > 0 ? Value.FromNumber(Math.Log(d)) : Value.Null);
        Scalar("log", 1, 2, (a, _) => Num(a[0], out var d) && d > 0 ? Value.FromNumber(a.Length > 1 && Num(a[1], out var b) ? LogBase(d, b) : Math.Log10(d)) : Value.Null);
        Scalar("pi", 0, 0, (_, _) => Value.FromNumber(Math.PI));
        Scalar("sigfig", 1, 1, (a, _) => Num(a[0], out var d) ? Value.FromNumber(d) : Value.Null);
        Scalar("random", 0, 0, (_, _) => Value.FromNumber(Random.Shared.Next()));
        Scalar("min", 1, int.MaxValue, (a, _) => Extreme(a, -1));
        Scalar("max", 1, int.MaxValue, (a, _) => Extreme(a, 1));
    }

    /// <summary>min()/max() over arguments: numbers compare numerically and win over strings; strings compare lexicographically.</summary>
    /// <summary>
    /// eval min/max: "strings are greater than numbers", so max returns the greatest string when
    /// there is one and min the smallest number when there is one; strings compare
    /// lexicographically, numbers numerically.
    /// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/StatisticalFunctions
    /// </summary>
    private static double LogBase(double d, double b) => b switch
    {
        10 => Math.Log10(d),
        2 => Math.Log2(d),
        _ => Math.Log(d) / Math.Log(b),
    };

    private static Value Extreme(Value[] args, int sign)
    {
        var num = double.NaN;
        string? str = null;
        foreach (var arg in args)
        {
            if (arg.IsNumber)
            {
                num = double.IsNaN(num) || arg.RawNumber.CompareTo(num) * sign > 0 ? arg.RawNumber : num;
                continue;
            }

            foreach (var item in arg.Items)
            {
                if (Value.TryParseNumber(item, out var d))
                {
                    num = double.IsNaN(num) || d.CompareTo(num) * sign > 0 ? d : num;
                }
                else if (str is null || string.CompareOrdinal(item, str) * sign > 0)
                {
                    str = item;
                }
            }
        }

        var preferString = sign > 0 ? str is not null : double.IsNaN(num);
        return preferString ? Value.FromString(str) : Value.FromNumber(num);
    }

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
    private static CompiledExpr CompileMvLambda(Expr body, ExpressionCompiler c, bool filter)
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
                if (ExpressionCompiler.IsTrue(v))
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

    private static void RegisterTime()
    {
        Scalar("now", 0, 0, (_, ctx) => Value.FromNumber(Math.Floor(ctx.Now)));
        Scalar("time", 0, 0, (_, _) => Value.FromNumber(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0));
        Scalar("relative_time", 2, 2, (a, _) =>
        {
            if (!Num(a[0], out var t) || a[1].IsNull)
            {
                return Value.Null;
            }

            return RelativeTime.Resolve(Str(a[1])!, t) is { } r ? Value.FromNumber(r) : Value.Null;
        });
        // A time outside the years 1 to 9999 has no calendar form: null, like any argument strftime cannot read.
        Scalar("strftime", 2, 2, (a, _) => Num(a[0], out var t) && !a[1].IsNull && StrTime.TryFormat(t, Str(a[1])!, out var text) ? Value.FromString(text) : Value.Null);
        Scalar("strptime", 2, 2, (a, _) => a[0].IsNull || a[1].IsNull ? Value.Null : StrTime.Parse(Str(a[0])!, Str(a[1])!) is { } t ? Value.FromNumber(t) : Value.Null);
    }

    private static void RegisterConversion()
    {
        Scalar("tostring", 1, 2, (a, _) =>
        {
            if (a[0].IsNull)
            {
                return Value.Null;
            }

            if (a[0].IsBoolean)
            {
                // tostring(1==1) is "True". https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/ConversionFunctions
                return Value.FromString(a[0].RawBoolean ? "True" : "False");
            }

            if (a.Length == 1)
            {
                return a[0].IsMulti ? a[0] : Value.FromString(a[0].ToDisplayString());
            }

            var fmt = Str(a[1]);
            if (!Num(a[0], out var d))
            {
                return Value.FromString(a[0].ToDisplayString());
            }

            return fmt switch
            {
                "hex" => Value.FromString("0x" + ((long)d).ToString("X", CultureInfo.InvariantCulture)),
                "commas" => Value.FromString(Math.Round(d, 2).ToString(d == Math.Floor(d) ? "#,##0" : "#,##0.##", CultureInfo.InvariantCulture)),
                "duration" => FormatDuration(d) is { } duration ? Value.FromString(duration) : Value.Null,
                _ => Value.FromString(a[0].ToDisplayString()),
            };
        });
        Scalar("tonumber", 1, 2, (a, _) =>
        {
            if (a[0].IsNull)
            {
                return Value.Null;
            }

            var s = Str(a[0])!.Trim();
            var radix = a.Length > 1 && Num(a[1], out var b) ? (int)b : 10;
            if (radix == 10)
            {
                return Value.TryParseNumber(s, out var d) ? Value.FromNumber(d) : Value.Null;
            }

            try
            {
                if (radix == 16 && s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                {
                    s = s[2..];
                }

                return Value.FromNumber(Convert.ToInt64(s, radix));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                return Value.Null;
            }
        });
        Scalar("typeof", 1, 1, (a, ctx) => Value.FromString(a[0].Kind switch
        {
            ValueKind.Null => "Invalid",
            ValueKind.Number => "Number",
            ValueKind.Boolean => "Boolean",
            ValueKind.Multi => "Multivalue",
            _ => a[0].TryGetNumber(out _) ? "Number" : "String",
        }));
        Scalar("isnum", 1, 1, (a, ctx) => Value.FromBoolean(a[0].TryGetNumber(out _)));
        Scalar("isint", 1, 1, (a, ctx) => Value.FromBoolean(a[0].TryGetNumber(out var d) && d == Math.Floor(d)));
        Scalar("isstr", 1, 1, (a, ctx) => Value.FromBoolean(!a[0].IsNull && !a[0].IsBoolean && !a[0].TryGetNumber(out _)));
        Scalar("isbool", 1, 1, (a, _) => Value.FromBoolean(a[0].IsBoolean));
    }

    /// <summary>The most decimals round(x, n) shows.</summary>
    private const int MaxRoundDigits = 100;

    private static Value Round(double d, int digits)
    {
        var r = Math.Round(d, Math.Clamp(digits, 0, 15), MidpointRounding.AwayFromZero);
        // round(x, n) keeps n decimals in its display (round(2.5000, 2) shows 2.50).
        return digits > 0 ? Value.FromString(r.ToString("F" + digits, CultureInfo.InvariantCulture)) : Value.FromNumber(r);
    }

    /// <summary>
    /// re.Replace, but a replacement that could build more than <see cref="ValueLimits.MaxStringLength"/>
    /// (an empty match at every position, or group references repeating a long input) is counted as it
    /// goes and stops the search at the limit instead of exhausting memory.
    /// </summary>
    private static string BoundedReplace(Regex re, string s, string replacement, SearchContext? search)
    {
        var references = replacement.Count(c => c == '$');
        var perMatch = replacement.Length + ((long)references * s.Length);
        if (((s.Length + 1L) * perMatch) + s.Length <= ValueLimits.MaxStringLength)
        {
            return SplRegex.Replace(re, s, replacement, -1, search);
        }

        long added = 0;
        string Run() => re.Replace(s, m =>
        {
            var r = m.Result(replacement);
            added += r.Length;
            ValueLimits.Check("replace", s.Length + added);
            return r;
        });
        return search is not null && SplRegex.Backtracks(re) ? search.Budget.TimeRegex(re, Run) : Run();
    }

    private static string? FormatDuration(double seconds)
    {
        // TimeSpan holds about 29,000 years; a longer duration has no clock form.
        if (!double.IsFinite(seconds) || Math.Abs(seconds) >= TimeSpan.MaxValue.TotalSeconds - 1)
        {
            return null;
        }

        var ts = TimeSpan.FromSeconds(Math.Floor(seconds));
        var core = $"{ts.Hours:00}:{ts.Minutes:00}:{ts.Seconds:00}";
        return ts.Days > 0 ? $"{ts.Days}+{core}" : core;
    }

    private static void RegisterOther()
    {
        Scalar("md5", 1, 1, (a, _) => Hash(a[0], MD5.HashData));
        Scalar("sha1", 1, 1, (a, _) => Hash(a[0], SHA1.HashData));
        Scalar("sha256", 1, 1, (a, _) => Hash(a[0], SHA256.HashData));
        Scalar("sha512", 1, 1, (a, _) => Hash(a[0], SHA512.HashData));
        Scalar("ipmask", 2, 2, (a, _) =>
        {
            if (!IPAddress.TryParse(Str(a[0]), out var mask) || !IPAddress.TryParse(Str(a[1]), out var ip))
            {
                return Value.Null;
            }

            var m = mask.GetAddressBytes();
            var b = ip.GetAddressBytes();
            if (m.Length != b.Length)
            {
                return Value.Null;
            }

            for (var i = 0; i < b.Length; i++)
            {
                b[i] &= m[i];
            }

            return Value.FromString(new IPAddress(b).ToString());
        });
    }

    private static Value Hash(Value v, Func<byte[], byte[]> hash) =>
        v.IsNull ? Value.Null : Value.FromString(Convert.ToHexStringLower(hash(Encoding.UTF8.GetBytes(v.ToDisplayString()))));
}
