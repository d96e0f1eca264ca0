using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Functions.Eval;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning;

/// <summary>
/// Compiles eval/where expressions to <see cref="CompiledExpr"/> delegates. Operator semantics
/// follow https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Eval : arithmetic on
/// numbers (numeric strings count as numbers), <c>+</c> concatenates when a side is not a number,
/// <c>.</c> always concatenates, comparisons are numeric when both sides are numbers and
/// case-sensitive string comparisons otherwise, and any null operand makes the result null.
/// </summary>
internal sealed class ExpressionCompiler(SearchContext context) : IEvalCompiler
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
        return r => EvalComparison.IsTrue(e(r));
    }

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
                return v.IsNull ? Value.Null : Value.FromBoolean(!EvalComparison.IsTrue(v));
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
            case "AND" or "OR" or "XOR":
                return Logical(b.Op, l, r);
            case "=":
                return row => EvalComparison.Equality(l(row), r(row), negate: false);
            case "!=":
                return row => EvalComparison.Equality(l(row), r(row), negate: true);
            case "<":
            case "<=":
            case ">":
            case ">=":
                {
                    var op = b.Op;
                    return row => EvalComparison.Ordered(l(row), r(row), op);
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
                return Plus(l, r, FunctionCatalog.MakesString(b.Left), FunctionCatalog.MakesString(b.Right));
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

    /// <summary>AND, OR and XOR with SQL's three values: a null side gives null unless the other side decides.</summary>
    private static CompiledExpr Logical(string op, CompiledExpr l, CompiledExpr r)
    {
        switch (op)
        {
            case "AND":
                return row =>
                {
                    var a = l(row);
                    if (!a.IsNull && !EvalComparison.IsTrue(a))
                    {
                        return Value.False;
                    }

                    var c = r(row);
                    if (!c.IsNull && !EvalComparison.IsTrue(c))
                    {
                        return Value.False;
                    }

                    return a.IsNull || c.IsNull ? Value.Null : Value.True;
                };
            case "OR":
                return row =>
                {
                    var a = l(row);
                    if (EvalComparison.IsTrue(a))
                    {
                        return Value.True;
                    }

                    var c = r(row);
                    if (EvalComparison.IsTrue(c))
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
                    return a.IsNull || c.IsNull ? Value.Null : Value.FromBoolean(EvalComparison.IsTrue(a) ^ EvalComparison.IsTrue(c));
                };
            default:
                throw new NotSupportedException(op);
        }
    }

    /// <param name="leftText">The left side is text by its making (a quoted string, tostring(...)): never a number, even "0xF".</param>
    /// <param name="rightText">The same for the right side.</param>
    private static CompiledExpr Plus(CompiledExpr l, CompiledExpr r, bool leftText, bool rightText)
    {
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
            // A value a function made as text stays text: tostring(1==1) + " " + tostring(15, "hex")
            // "returns "True 0xF ..."" (Conversion functions), though 0xF reads as a number in a field.
            double x = 0, y = 0;
            var an = !leftText && a.TryGetNumber(out x);
            var cn = !rightText && c.TryGetNumber(out y);
            if (an && cn)
            {
                return Value.FromNumber(x + y);
            }

            return an || cn ? Value.Null : Concatenate(a.ToDisplayString(), c.ToDisplayString());
        };
    }

    private static CompiledExpr Arithmetic(CompiledExpr l, CompiledExpr r, Func<double, double, double> op) => row =>
        l(row).TryGetNumber(out var x) && r(row).TryGetNumber(out var y) ? Value.FromNumber(op(x, y)) : Value.Null;

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

        BuildLiteralRegex(fn.Name, call.Args);
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

    /// <summary>
    /// Builds the regex of a <c>match</c>, <c>replace</c> or <c>mvfind</c> whose pattern is a literal
    /// now, while the search is planned, into the cache every search shares
    /// (<see cref="FunctionCatalog.GetRegex"/>): once per distinct pattern, rather than on the pass's
    /// threads when the first event reaches it (a hunt's batch waited for it). A pattern that does
    /// not compile is left for the call, which warns about it as before.
    /// </summary>
    private static void BuildLiteralRegex(string function, IReadOnlyList<Expr> args)
    {
        if (function is "match" or "replace" or "mvfind" && args.Count > 1 && args[1] is StringLiteral pattern)
        {
            _ = FunctionCatalog.GetRegex(pattern.Value, ctx: null);
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
