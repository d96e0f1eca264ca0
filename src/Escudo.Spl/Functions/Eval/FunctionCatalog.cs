using System.Text.RegularExpressions;
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
        RegisterComparison();
        RegisterText();
        RegisterMath();
        RegisterMultivalue();
        RegisterMultivalueCombining();
        RegisterMultivalueMaking();
        RegisterTime();
        RegisterConversion();
        RegisterShapeChecks();
        RegisterOther();
    }

    public static EvalFunction? Find(string name) => Functions.GetValueOrDefault(name);

    public static IEnumerable<string> Names => Functions.Keys;

    private static void Scalar(string name, int min, int max, Func<Value[], FunctionContext, Value> fn) =>
        Functions[name] = new EvalFunction { Name = name, MinArgs = min, MaxArgs = max, Scalar = fn };

    private static void Special(string name, int min, int max, Func<IReadOnlyList<Expr>, IEvalCompiler, CompiledExpr> fn) =>
        Functions[name] = new EvalFunction { Name = name, MinArgs = min, MaxArgs = max, Special = fn };

    private static string? Str(Value v) => v.FirstString();

    private static bool Num(Value v, out double d) => v.TryGetNumber(out d);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex?> RegexCache = new();

    /// <summary>
    /// A PCRE-ish pattern as .NET regex; null (and a warning) when it does not compile. Patterns that
    /// do not compile are kept too, so a bad pattern is not rebuilt for every event; the cache has
    /// <see cref="SplRegex"/>'s bounds, so searches that make their own patterns cannot grow it without end.
    /// </summary>
    public static Regex? GetRegex(string pattern, FunctionContext? ctx)
    {
        if (!RegexCache.TryGetValue(pattern, out var re))
        {
            re = TryBuild(pattern);
            if (RegexCache.Count < SplRegex.MaxShared && pattern.Length <= SplRegex.MaxSharedLength)
            {
                re = RegexCache.GetOrAdd(pattern, re);
            }
        }

        if (re is null)
        {
            ctx?.Warn($"bad regular expression `{pattern}`");
        }

        return re;
    }

    private static Regex? TryBuild(string pattern)
    {
        try
        {
            return SplRegex.Create(pattern);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether <see cref="GetRegex"/> has already been asked for this pattern (built, or found not to compile).</summary>
    internal static bool HasRegex(string pattern) => RegexCache.ContainsKey(pattern);

    /// <inheritdoc cref="SplRegex.PcreToDotNet"/>
    public static string PcreToDotNet(string pattern) => SplRegex.PcreToDotNet(pattern);
}
