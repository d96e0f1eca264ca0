using System.Net;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Functions.Eval;

internal static partial class FunctionCatalog
{
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
    }

    /// <summary>Tests and comparisons: null checks, like, match, cidrmatch, in, searchmatch.</summary>
    private static void RegisterComparison()
    {
        Scalar("isnull", 1, 1, (a, _) => Value.FromBoolean(a[0].IsNull));
        Scalar("isnotnull", 1, 1, (a, _) => Value.FromBoolean(!a[0].IsNull));
        Scalar("null", 0, 0, (_, _) => Value.Null);
        Scalar("true", 0, 0, (_, _) => Value.True);
        Scalar("false", 0, 0, (_, _) => Value.False);
        Scalar("nullif", 2, 2, (a, _) => EvalComparison.IsTrue(EvalComparison.Equality(a[0], a[1], false)) ? Value.Null : a[0]);
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
                if (EvalComparison.IsTrue(EvalComparison.Equality(a[0], a[i], false)))
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
}
