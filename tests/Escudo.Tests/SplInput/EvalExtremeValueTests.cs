using System.Text;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Functions.Eval;
using Escudo.Spl.Macros;
using Escudo.Spl.Planning;
using Escudo.Spl.Syntax;
using Escudo.Tests.Golden;

namespace Escudo.Tests.SplInput;

/// <summary>
/// Every eval function in the catalog, called with extreme arguments: numbers at and beyond the
/// ends of the double range, infinities and NaN, integers past 32 and 64 bits, empty and very long
/// strings, multivalues, nulls, absurd printf formats and bad regular expressions. A function may
/// answer null or stop the search with an error (<see cref="SearchLimitException"/>, which every
/// caller reports), never throw anything else (which killed the process or the server request),
/// and never build a value beyond <see cref="ValueLimits.MaxStringLength"/>.
/// </summary>
public class EvalExtremeValueTests
{
    /// <summary>Arguments as eval text; the fields come from <see cref="ExtremeRow"/>.</summary>
    private static readonly string[] Extremes =
    [
        "1e300", "-1e300", "1e300*1e300", "-1e300*1e300", "(1e300*1e300)-(1e300*1e300)", "0", "-1", "0.5",
        "2147483648", "-2147483649", "9223372036854775808", "99999999999999999999999",
        "\"\"", "\"%0999999999d\"", "\"%.999999999f\"", "\"%99999999999s\"", "\"[\"", "\"-99999999999y\"", "\"@w9\"",
        "long", "mv", "nul", "big", "nan", "wide",
    ];

    private static readonly string[] Baselines = ["1", "\"a,b\""];

    /// <summary>How the safety net in the expression compiler words an exception it caught: a bug here.</summary>
    private const string UnforeseenFailure = "failed on its arguments (";

    [Fact]
    public void NoExtremeArgumentMakesAnEvalFunctionThrow()
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var row = ExtremeRow();
        var compiler = new ExpressionCompiler(Context());
        var failures = new List<string>();
        var calls = 0;
        foreach (var name in FunctionCatalog.Names.Order(StringComparer.Ordinal))
        {
            var fn = FunctionCatalog.Find(name)!;
            var maxArity = Math.Min(fn.MaxArgs, fn.MinArgs + 2);
            for (var arity = fn.MinArgs; arity <= maxArity; arity++)
            {
                foreach (var args in ArgumentLists(arity))
                {
                    calls++;
                    var text = $"{name}({string.Join(", ", args)})";
                    var problem = Evaluate(compiler, text, row);
                    if (problem is not null)
                    {
                        failures.Add($"{text}: {problem}");
                    }
                }
            }
        }

        Assert.True(calls > 5000, $"only {calls} calls were tried");
        Assert.True(failures.Count == 0, $"{failures.Count} of {calls} calls failed:\n" + string.Join("\n", failures.Take(60)));
    }

    /// <summary>
    /// The cases of issue 14: values a function cannot represent give null (a time outside the years
    /// 1 to 9999 has no calendar form; a duration beyond TimeSpan's 29,000 years no clock form; more
    /// than 100 decimals only zeros), the rest of the row is computed.
    /// </summary>
    [Theory]
    [InlineData("strftime(1e300, \"%Y-%m-%d\")", null)]
    [InlineData("strftime(-1e300, \"%Y\")", null)]
    [InlineData("strftime(1700000000, \"%Y-%m-%d\")", "2023-11-14")]
    [InlineData("relative_time(1700000000, \"-99999999999y\")", null)]
    [InlineData("relative_time(1700000000, \"+9000y\")", null)]
    [InlineData("relative_time(1e300, \"-1d\")", null)]
    [InlineData("relative_time(1700000000, \"-1d@d\")", "1699833600")]
    [InlineData("round(1.5, 2147483648)", null)]
    [InlineData("round(1.25, 1)", "1.3")]
    [InlineData("tostring(1e300, \"duration\")", null)]
    [InlineData("tostring(90061, \"duration\")", "1+01:01:01")]
    [InlineData("substr(\"abc\", 0.5)", "abc")]
    [InlineData("trim(\"xax\", nosuchfield)", null)]
    [InlineData("printf(\"%e\", 1e300*1e300)", "inf")]
    [InlineData("mvjoin(mvrange(5, 0, -2), \",\")", "5,3,1")]
    public void ExtremeValuesGiveNullNotAnException(string expression, string? expected)
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var v = Run($"| makeresults | eval x={expression}, after=1").Single();
        Assert.Equal(expected, v.Get(FieldTable.Intern("x")) is { IsNull: false } x ? x.ToDisplayString() : null);
        Assert.Equal("1", v.Get(FieldTable.Intern("after")).ToDisplayString());
    }

    /// <summary>Output that would exceed a limit stops the search with a message naming the function and the limit.</summary>
    [Theory]
    [InlineData("printf(\"%0999999999d\", 1)", "printf width 999999999 is more than the limit of 100,000")]
    [InlineData("printf(\"%.99999999999f\", 1)", "printf precision 99999999999 is more than the limit of 100,000")]
    [InlineData("mvrange(0, 5, 0)", "mvrange step must be a non-zero number, not 0")]
    [InlineData("mvrange(0, 1e12)", "mvrange(0, 1000000000000, 1) would build 1,000,000,000,000 values, more than the limit of 10,000")]
    [InlineData("replace(printf(\"%10000s\", \"x\"), \"\", printf(\"%10000s\", \"y\"))", "`replace` would build a value of")]
    [InlineData("mvjoin(mvrange(0, 10000), printf(\"%2000s\", \"-\"))", "`mvjoin` would build a value of")]
    [InlineData("mvzip(mvrange(0, 10000), mvrange(0, 10000), printf(\"%2000s\", \"-\"))", "`mvzip` would build a value of")]
    [InlineData("mvmap(mvrange(0, 10000), printf(\"%2000s\", \"x\"))", "`mvmap` would build a value of")]
    public void OversizedOutputIsASearchErrorNamingTheLimit(string expression, string message)
    {
        var e = Assert.Throws<SearchLimitException>(() => Run($"| makeresults | eval x={expression}"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("Error in 'eval': ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedConcatenationStopsAtTheLimit()
    {
        // Each step doubles the string: 1,000 characters pass the 10 million limit at the 14th.
        var e = Assert.Throws<SearchLimitException>(() => Run(
            "| makeresults | eval x=printf(\"%1000s\", \"x\")" + string.Concat(Enumerable.Repeat(" | eval x=x.x", 20))));
        Assert.Contains("`concatenation` would build a value of 16,384,000 characters", e.Message, StringComparison.Ordinal);
    }

    private static List<Row> Run(string search)
    {
        var compiled = SplEngine.Compile(search, Context());
        Assert.True(compiled.Success, compiled.Diagnostic?.Format(compiled.Text));
        return compiled.Search!.Run().ToList();
    }

    /// <summary>Long LIKE patterns skip the regex; every pattern over a small alphabet must match as the regex does.</summary>
    [Fact]
    public void DirectLikeMatchingAgreesWithTheRegex()
    {
        var patterns = Strings("ab%_", 4).ToList();
        var inputs = Strings("ab", 4).ToList();
        var disagreements = new List<string>();
        foreach (var p in patterns)
        {
            var re = LikePattern.Get(p);
            foreach (var i in inputs)
            {
                if (LikePattern.MatchDirect(p, i) != re.IsMatch(i))
                {
                    disagreements.Add($"`{i}` LIKE `{p}`");
                }
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(20)));
        Assert.True(LikePattern.IsMatch(new string('x', 100_000) + "%", new string('x', 100_001)));
    }

    private static IEnumerable<string> Strings(string alphabet, int maxLength)
    {
        IEnumerable<string> level = [string.Empty];
        for (var n = 0; n <= maxLength; n++)
        {
            foreach (var s in level)
            {
                yield return s;
            }

            level = level.SelectMany(s => alphabet.Select(c => s + c)).ToList();
        }
    }

    /// <summary>Each extreme in each position (the others a plain value), and every position extreme at once.</summary>
    private static IEnumerable<string[]> ArgumentLists(int arity)
    {
        if (arity == 0)
        {
            yield return [];
            yield break;
        }

        foreach (var baseline in Baselines)
        {
            foreach (var extreme in Extremes)
            {
                for (var position = 0; position < arity; position++)
                {
                    var args = Enumerable.Repeat(baseline, arity).ToArray();
                    args[position] = extreme;
                    yield return args;
                }
            }
        }

        foreach (var extreme in Extremes)
        {
            yield return Enumerable.Repeat(extreme, arity).ToArray();
        }
    }

    private static string? Evaluate(ExpressionCompiler compiler, string text, Row row)
    {
        try
        {
            var parsed = Parser.ParseExpression(text);
            if (!parsed.Success)
            {
                return "does not parse: " + parsed.Diagnostic.Message;
            }

            CompiledExpr compiled;
            try
            {
                compiled = compiler.Compile(parsed.Value);
            }
            catch (DiagnosticException)
            {
                return null; // refused with a diagnostic (say, a special form given a bad argument): fine
            }

            var v = compiled(row);
            var size = v.IsMulti ? v.Items.ToArray().Sum(s => s.Length) : v.IsNull ? 0 : v.ToDisplayString().Length;
            return size > ValueLimits.MaxStringLength ? $"built a value of {size} characters" : null;
        }
        catch (SearchLimitException e) when (!e.Message.Contains(UnforeseenFailure, StringComparison.Ordinal))
        {
            return null; // a search error with a message: what Splunk does for an argument it cannot take
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>A row holding the field arguments: a 100,000-character string, a multivalue, a huge number, NaN.</summary>
    private static Row ExtremeRow()
    {
        var compiled = SplEngine.Compile(
            "| makeresults | eval long=printf(\"%10000s\", \"x\"), long=long.long.long.long.long.long.long.long.long.long, "
            + "mv=split(\"a,b,,c\", \",\"), big=1e308, nan=(1e300*1e300)-(1e300*1e300), wide=mvrange(0, 1000)",
            Context());
        Assert.True(compiled.Success, compiled.Diagnostic?.Format(compiled.Text));
        var row = Assert.Single(compiled.Search!.Run().ToList());
        Assert.Equal(100_000, row.Get(FieldTable.Intern("long")).ToDisplayString().Length);
        return row;
    }

    private static SearchContext Context() => new()
    {
        Now = GoldenSplTests.DefaultNow,
        Macros = new LayeredMacroSource([BuiltInMacros.Instance]),
    };
}
