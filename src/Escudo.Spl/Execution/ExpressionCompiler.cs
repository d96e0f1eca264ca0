using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Functions.Eval;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution;

/// <summary>
/// Compiles eval/where expressions to <see cref="CompiledExpr"/> delegates. Operator semantics
/// follow https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Eval : arithmetic on
/// numbers (numeric strings count as numbers), <c>+</c> concatenates when a side is not a number,
/// <c>.</c> always concatenates, comparisons are numeric when both sides are numbers and
/// case-sensitive string comparisons otherwise, and any null operand makes the result null.
/// </summary>
internal sealed class ExpressionCompiler(SearchContext context)
{
    public SearchContext Context { get; } = context;

    public FunctionContext Functions { get; } = new(context);

    public CompiledExpr Compile(Expr expr)
    {
        // A second guard behind the parser's depth limits: this exception can be caught, an overflow cannot.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        return CompileNode(expr);
    }

    private CompiledExpr CompileNode(Expr expr) => expr switch
    {
        StringLiteral s => Constant(Value.FromString(s.Value)),
        NumberLiteral n => Constant(Value.FromNumber(n.Value)),
        BooleanLiteral b => Constant(Value.FromBoolean(b.Value)),
        FieldRef f => FieldReader(f.Name),
        Unary u => CompileUnary(u),
        Binary b => CompileBinary(b),
        Call c => CompileCall(c),
        _ => throw new NotSupportedException(expr.GetType().Name),
    };

    /// <summary>Compiles an expression used as a condition (where, if, case): true only for boolean true.</summary>
    public Func<Row, bool> CompilePredicate(Expr expr)
    {
        var e = Compile(expr);
        return r => IsTrue(e(r));
    }

    public static bool IsTrue(Value v) => v.Kind switch
    {
        ValueKind.Boolean => v.RawBoolean,
        ValueKind.Null => false,
        ValueKind.Number => v.RawNumber != 0,
        ValueKind.String => v.RawString!.Length > 0 && !v.RawString.Equals("false", StringComparison.OrdinalIgnoreCase) && v.RawString != "0",
        _ => true,
    };

    private static CompiledExpr Constant(Value v) => _ => v;

    private static CompiledExpr FieldReader(string name)
    {
        var id = FieldTable.Intern(name);
        return r => r.Get(id);
    }

    private CompiledExpr CompileUnary(Unary u)
    {
        var operand = Compile(u.Operand);
        return u.Op switch
        {
            "NOT" => r =>
            {
                var v = operand(r);
                return v.IsNull ? Value.Null : Value.FromBoolean(!IsTrue(v));
            }
            ,
            "-" => r => operand(r).TryGetNumber(out var d) ? Value.FromNumber(-d) : Value.Null,
            _ => throw new NotSupportedException(u.Op),
        };
    }

    private CompiledExpr CompileBinary(Binary b)
    {
        var l = Compile(b.Left);
        var r = Compile(b.Right);
        switch (b.Op)
        {
            case "AND":
                return row =>
                {
                    var a = l(row);
                    if (!a.IsNull && !IsTrue(a))
                    {
                        return Value.False;
                    }

                    var c = r(row);
                    if (!c.IsNull && !IsTrue(c))
                    {
                        return Value.False;
                    }

                    return a.IsNull || c.IsNull ? Value.Null : Value.True;
                };
            case "OR":
                return row =>
                {
                    var a = l(row);
                    if (IsTrue(a))
                    {
                        return Value.True;
                    }

                    var c = r(row);
                    if (IsTrue(c))
                    {
                        return Value.True;
                    }

                    return a.IsNull || c.IsNull ? Value.Null : Value.False;
                };
            case "XOR":
                return row =>
                {
                    var a = l(row);
                    var c = r(row);
                    return a.IsNull || c.IsNull ? Value.Null : Value.FromBoolean(IsTrue(a) ^ IsTrue(c));
                };
            case "=":
                return row => Equality(l(row), r(row), negate: false);
            case "!=":
                return row => Equality(l(row), r(row), negate: true);
            case "<":
            case "<=":
            case ">":
            case ">=":
                {
                    var op = b.Op;
                    return row => Ordered(l(row), r(row), op);
                }

            case "LIKE":
                return row =>
                {
                    var a = l(row);
                    var p = r(row);
                    return a.IsNull || p.IsNull ? Value.Null : Value.FromBoolean(LikePattern.IsMatch(p.ToDisplayString(), a.FirstString() ?? string.Empty));
                };
            case ".":
                return row =>
                {
                    var a = l(row);
                    var c = r(row);
                    return a.IsNull || c.IsNull ? Value.Null : Concatenate(a.ToDisplayString(), c.ToDisplayString());
                };
            case "+":
                return row =>
                {
                    var a = l(row);
                    var c = r(row);
                    if (a.IsNull || c.IsNull)
                    {
                        return Value.Null;
                    }

                    // Two numbers add, two strings concatenate, a number and a string give null.
                    // https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Eval (Operators)
                    var an = a.TryGetNumber(out var x);
                    var cn = c.TryGetNumber(out var y);
                    if (an && cn)
                    {
                        return Value.FromNumber(x + y);
                    }

                    return an || cn ? Value.Null : Concatenate(a.ToDisplayString(), c.ToDisplayString());
                };
            case "-":
                return Arithmetic(l, r, static (x, y) => x - y);
            case "*":
                return Arithmetic(l, r, static (x, y) => x * y);
            case "/":
                return Arithmetic(l, r, static (x, y) => y == 0 ? double.NaN : x / y);
            case "%":
                return Arithmetic(l, r, static (x, y) => y == 0 ? double.NaN : x % y);
            default:
                throw new NotSupportedException(b.Op);
        }
    }

    private static CompiledExpr Arithmetic(CompiledExpr l, CompiledExpr r, Func<double, double, double> op) => row =>
        l(row).TryGetNumber(out var x) && r(row).TryGetNumber(out var y) ? Value.FromNumber(op(x, y)) : Value.Null;

    public static Value Equality(Value a, Value c, bool negate)
    {
        if (a.IsNull || c.IsNull)
        {
            return Value.Null;
        }

        bool eq;
        if (a.IsBoolean || c.IsBoolean)
        {
            eq = IsTrue(a) == IsTrue(c);
        }
        else if (a.TryGetNumber(out var x) && c.TryGetNumber(out var y))
        {
            eq = x == y;
        }
        else if (a.IsMulti)
        {
            eq = false;
            var s = c.FirstString();
            foreach (var item in a.Items)
            {
                if (string.Equals(item, s, StringComparison.Ordinal))
                {
                    eq = true;
                    break;
                }
            }
        }
        else
        {
            eq = string.Equals(a.FirstString(), c.FirstString(), StringComparison.Ordinal);
        }

        return Value.FromBoolean(eq != negate);
    }

    private static Value Ordered(Value a, Value c, string op)
    {
        if (a.IsNull || c.IsNull)
        {
            return Value.Null;
        }

        var cmp = a.TryGetNumber(out var x) && c.TryGetNumber(out var y)
            ? x.CompareTo(y)
            : string.CompareOrdinal(a.FirstString(), c.FirstString());
        return Value.FromBoolean(op switch
        {
            "<" => cmp < 0,
            "<=" => cmp <= 0,
            ">" => cmp > 0,
            _ => cmp >= 0,
        });
    }

    private CompiledExpr CompileCall(Call call)
    {
        var fn = FunctionCatalog.Find(call.Name)
            ?? throw new DiagnosticException(SplDiagnostics.UnknownFunction(call.Name, call.Span));
        if (call.Args.Count < fn.MinArgs || call.Args.Count > fn.MaxArgs)
        {
            throw new DiagnosticException(SplDiagnostics.FunctionArity(call.Name, call.Args.Count, fn.ArityText, call.Span));
        }

        if (fn.Special is { } special)
        {
            return special(call.Args, this);
        }

        var args = call.Args.Select(Compile).ToArray();
        var scalar = fn.Scalar!;
        var ctx = Functions;
        var name = fn.Name;
        switch (args.Length)
        {
            case 0:
                return _ => Invoke(name, scalar, [], ctx);
            case 1:
                {
                    var a0 = args[0];
                    return r => Invoke(name, scalar, [a0(r)], ctx);
                }

            default:
                return r =>
                {
                    var values = new Value[args.Length];
                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] = args[i](r);
                    }

                    return Invoke(name, scalar, values, ctx);
                };
        }
    }

    /// <summary>Joins two strings; a chain of concatenations may not grow one value past the limit.</summary>
    private static Value Concatenate(string a, string b)
    {
        ValueLimits.Check("concatenation", (long)a.Length + b.Length);
        return Value.FromString(a + b);
    }

    /// <summary>
    /// Calls a plain function. An exception escaping it is a bug for a value nobody foresaw; it
    /// stops this search with an error naming the function instead of ending the process (or, in
    /// the server, every other request with it).
    /// </summary>
    private static Value Invoke(string name, Func<Value[], FunctionContext, Value> scalar, Value[] values, FunctionContext ctx)
    {
        try
        {
            return scalar(values, ctx);
        }
        catch (Exception e) when (e is not (SearchLimitException or OperationCanceledException or OutOfMemoryException or DiagnosticException))
        {
            throw new SearchLimitException($"Error in 'eval': function `{name}` failed on its arguments ({e.GetType().Name}: {e.Message})");
        }
    }
}

/// <summary>SQL-style LIKE patterns (<c>%</c> any run, <c>_</c> one character), cached as regexes.</summary>
internal static class LikePattern
{
    /// <summary>
    /// Longer patterns (typically a field's value used as the pattern) are matched directly: building
    /// a regex from 100,000 characters took 20 s, and caching every such pattern would grow without end.
    /// </summary>
    public const int MaxCachedPatternLength = 1000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Cache = new();

    public static bool IsMatch(string pattern, string input) =>
        pattern.Length > MaxCachedPatternLength ? MatchDirect(pattern, input) : Get(pattern).IsMatch(input);

    /// <summary>Wildcard matching without a regex: on a mismatch, retry from the last <c>%</c> one character further.</summary>
    internal static bool MatchDirect(string pattern, string input)
    {
        int p = 0, i = 0, star = -1, resume = 0;
        while (i < input.Length)
        {
            if (p < pattern.Length && (pattern[p] == '_' || (pattern[p] != '%' && pattern[p] == input[i])))
            {
                p++;
                i++;
            }
            else if (p < pattern.Length && pattern[p] == '%')
            {
                star = p++;
                resume = i;
            }
            else if (star >= 0)
            {
                p = star + 1;
                i = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '%')
        {
            p++;
        }

        return p == pattern.Length;
    }

    public static Regex Get(string pattern) => Cache.GetOrAdd(pattern, p =>
    {
        var sb = new System.Text.StringBuilder("^");
        foreach (var ch in p)
        {
            sb.Append(ch switch
            {
                '%' => ".*",
                '_' => ".",
                _ => Regex.Escape(ch.ToString()),
            });
        }

        sb.Append('$');
        return new Regex(sb.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
    });
}
