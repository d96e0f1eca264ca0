using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Running;
using Escudo.Detections.Store;
using Escudo.Detections.Testing;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;
using Escudo.Spl.Syntax;
using Escudo.Tests.Golden;
using Escudo.Tests.Support;

namespace Escudo.Tests.SplInput;

/// <summary>
/// Deeply nested SPL used to overflow the stack, which no handler can catch: the whole process
/// died, and with it a <c>check</c>, a <c>hunt</c> or <c>serve</c>. Each case runs in this process,
/// on a thread with a 1 MB stack (the smallest a .NET host gives), so a regression kills the test
/// run instead of passing. Too deep is a positioned diagnostic naming the limit; at the limit,
/// every walker over the tree (parser, macro expansion, planner, compilers, execution, the shared
/// pass, the explainer, the server's pushdown) must still work.
/// </summary>
public class DeepNestingTests
{
    private const int OneMegabyte = 1024 * 1024;

    public static TheoryData<string, string, string, int> TooDeep() => new()
    {
        { "5,000 parentheses in eval", "| makeresults | eval x=" + Repeat("(", 5000) + "1" + Repeat(")", 5000), "SPL0014", 24 + Parser.MaxNesting },
        { "5,000 parentheses in search", "search " + Repeat("(", 5000) + "a=1" + Repeat(")", 5000), "SPL0014", 8 + Parser.MaxNesting },
        { "10,000 NOT in search", "search " + Repeat("NOT ", 10_000) + "a=1", "SPL0014", 8 + (4 * Parser.MaxNesting) },
        { "10,000 NOT in where", "| makeresults | where " + Repeat("NOT ", 10_000) + "true()", "SPL0014", 23 + (4 * Parser.MaxNesting) },
        { "10,000 nested function calls", "| makeresults | eval x=" + Repeat("abs(", 10_000) + "1" + Repeat(")", 10_000), "SPL0014", 24 + (4 * Parser.MaxNesting) },
        { "10,000 unary minus signs", "| makeresults | eval x=" + Repeat("-", 10_000) + "1", "SPL0014", 24 + Parser.MaxNesting },
        // The left-deep tree 1+1+...: the 1000th `+` makes it 1001 high.
        { "a 100,000-term sum", "| makeresults | eval x=" + string.Join("+", Enumerable.Repeat("1", 100_000)), "SPL0015", 24 + (2 * Parser.MaxExpressionDepth) - 1 },
        { "a 2,000-term AND chain in where", "| makeresults | where " + string.Join(" AND ", Enumerable.Repeat("x", 2000)), "SPL0015", 25 + (6 * (Parser.MaxExpressionDepth - 1)) },
        { "1,000 nested subsearches", "search " + Repeat("[search ", 1000) + "a=1" + Repeat("]", 1000), "SPL0016", 8 + (8 * Parser.MaxSubsearchNesting) },
        { "1,000 nested append sub-pipelines", "| makeresults" + Repeat(" | append [| makeresults", 1000) + Repeat("]", 1000), "SPL0016", 24 + (24 * Parser.MaxSubsearchNesting) },
        { "a foreach template 1,000 deep", "| makeresults | foreach * " + Repeat("[foreach * ", 1000) + "[eval x=1]" + Repeat("]", 1000), "SPL0016", 27 },
    };

    [Theory]
    [MemberData(nameof(TooDeep))]
    public void TooDeepIsAPositionedDiagnosticNamingTheLimit(string what, string search, string code, int column)
    {
        var (result, error) = OnSmallStack(() => SplEngine.Compile(search, Context([])));
        Assert.True(error is null, $"{what}: {error}");
        Assert.False(result!.Success, $"{what}: compiled");
        var diag = result.Diagnostic!;
        Assert.Equal(code, diag.Code);
        var limit = code switch { "SPL0014" => Parser.MaxNesting, "SPL0015" => Parser.MaxExpressionDepth, _ => Parser.MaxSubsearchNesting };
        Assert.Contains($"more than {limit} ", diag.Message, StringComparison.Ordinal);
        var formatted = diag.Format(result.Text);
        Assert.StartsWith($"{code} (line 1, column {column}): ", formatted, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string?> AtTheLimit() => new()
    {
        { "100 parentheses in eval", "| makeresults | eval x=" + Repeat("(", Parser.MaxNesting) + "7" + Repeat(")", Parser.MaxNesting) + " | table x", """{"x":"7"}""" },
        { "99 parentheses and a NOT in search", "search " + Repeat("(", Parser.MaxNesting - 1) + "NOT a=2" + Repeat(")", Parser.MaxNesting - 1) + " | table a", """{"a":"1"}""" },
        { "100 nested function calls", "| makeresults | eval x=" + Repeat("abs(", Parser.MaxNesting) + "7" + Repeat(")", Parser.MaxNesting) + " | table x", """{"x":"7"}""" },
        { "a 1,000-term sum", "| makeresults | eval x=" + string.Join("+", Enumerable.Repeat("1", Parser.MaxExpressionDepth)) + " | table x", """{"x":"1000"}""" },
        { "a 999-comparison AND chain", "search a=1 | where " + string.Join(" AND ", Enumerable.Repeat("a=1", Parser.MaxExpressionDepth - 1)) + " | table a", """{"a":"1"}""" },
        { "20 nested subsearches", "search " + Nested(Parser.MaxSubsearchNesting) + " | table a", """{"a":"1"}""" },
        { "99 parentheses in tstats where", "| tstats count from datamodel=Endpoint.Processes where " + Repeat("(", Parser.MaxNesting - 1) + "Processes.process_name=x.exe" + Repeat(")", Parser.MaxNesting - 1) + " by Processes.dest", null },
    };

    [Theory]
    [MemberData(nameof(AtTheLimit))]
    public void AtTheLimitEveryWalkerCopes(string what, string search, string? expected)
    {
        var events = GoldenSplTests.ReadEvents("""{"_time":"1700000000","a":"1"}""", "deep");
        var (lines, error) = OnSmallStack(() =>
        {
            var ctx = Context(events);
            var compiled = SplEngine.Compile(search, ctx);
            Assert.True(compiled.Success, compiled.Diagnostic?.Format(compiled.Text));

            // Both compiled forms of the leading search: the pipeline and the streamed predicates.
            var rows = compiled.Search!.Run().Select(r => Escudo.Detections.Output.ResultJson.ToJsonLine(r)).ToList();
            // The store's walkers over the scan condition the planner built from the tree.
            if (SplEngine.Parse(search).Value?.Commands[0] is Escudo.Spl.Syntax.Ast.SearchCommand leading)
            {
                var condition = Escudo.Spl.Planning.Pushdown.ScanConditionBuilder.From(leading.Expr);
                _ = PushdownAnalyzer.FromCondition(condition);
                _ = Escudo.Server.Storage.ClickHouse.ClickHouseSql.Where(Escudo.Core.Time.TimeRange.All, Pushdown.None, condition);
            }

            var detection = new Detection { Name = "deep", Id = "00000000-0000-0000-0000-000000000001", Search = search, File = "deep.yml" };
            var engine = new DetectionEngine(EmptyContent());
            Assert.Null(engine.Check(detection));
            var explanation = Explainer.Explain(detection, compiled.Text, engine.ContextFor(new MemoryStore(events), GoldenSplTests.DefaultNow));
            Assert.False(string.IsNullOrEmpty(explanation));
            var pass = new SharedPass(engine, [detection], GoldenSplTests.DefaultNow, parallelism: 1);
            foreach (var e in events)
            {
                pass.Add(e);
            }

            var run = Assert.Single(pass.Run());
            Assert.Null(run.Error);
            Assert.Equal(rows.Count, run.Results.Count);
            return rows;
        });
        Assert.True(error is null, $"{what}: {error}");
        Assert.Equal(expected is null ? [] : [expected], lines!);
    }

    [Fact]
    public void CheckListsADeepDetectionAsUnsupportedAndStillChecksTheOthers()
    {
        var root = Directory.CreateTempSubdirectory("escudo-deep-");
        try
        {
            var detections = Path.Combine(root.FullName, "detections", "endpoint");
            Directory.CreateDirectory(detections);
            WriteDetection(detections, "normal", "Normal Detection", "search a=1 | stats count by a");
            WriteDetection(detections, "deep_sum", "Deep Sum", "| makeresults | eval x=" + string.Join("+", Enumerable.Repeat("1", 100_000)));
            WriteDetection(detections, "deep_parens", "Deep Parentheses", "search " + Repeat("(", 5000) + "a=1" + Repeat(")", 5000));

            var r = EscudoProcess.Run("check", "--content", root.FullName, "--format", "json");
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stderr}");
            using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
            Assert.Equal(3, doc.RootElement.GetProperty("total").GetInt32());
            Assert.Equal(1, doc.RootElement.GetProperty("supported").GetInt32());
            var reasons = doc.RootElement.GetProperty("unsupported").EnumerateArray()
                .ToDictionary(u => u.GetProperty("detection").GetString()!, u => u.GetProperty("reason").GetString()!);
            Assert.StartsWith("SPL0015 (line 1, column 2023): expression too deep: more than 1000 ", reasons["Deep Sum"], StringComparison.Ordinal);
            Assert.StartsWith("SPL0014 (line 1, column 108): nesting too deep: more than 100 ", reasons["Deep Parentheses"], StringComparison.Ordinal);
            Assert.False(reasons.ContainsKey("Normal Detection"));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("| makeresults | eval m=searchmatch(\"[search a=1]\")", 36, "searchmatch: ")]
    [InlineData("| makeresults | transaction startswith=([search a=1]) maxevents=2", 17, "transaction condition: ")]
    public void ASubsearchWhereNoneCanRunIsADiagnosticNotACrash(string search, int column, string prefix)
    {
        var result = SplEngine.Compile(search, Context([]));
        Assert.False(result.Success);
        Assert.StartsWith($"SPL0017 (line 1, column {column}): {prefix}a subsearch is not allowed here", result.Diagnostic!.Format(result.Text), StringComparison.Ordinal);
    }

    private static void WriteDetection(string folder, string file, string name, string search)
    {
        var yaml = new StringBuilder()
            .Append("name: ").AppendLine(name)
            .Append("id: 00000000-0000-0000-0000-").AppendLine(((uint)name.GetHashCode(StringComparison.Ordinal)).ToString("D12", System.Globalization.CultureInfo.InvariantCulture))
            .AppendLine("version: 1")
            .AppendLine("status: production")
            .AppendLine("type: TTP")
            .Append("search: '").Append(search.Replace("'", "''", StringComparison.Ordinal)).AppendLine("'");
        File.WriteAllText(Path.Combine(folder, file + ".yml"), yaml.ToString());
    }

    /// <summary><c>a=1 [search a=1 [search ... | fields a] | fields a]</c>, <paramref name="depth"/> subsearches deep.</summary>
    private static string Nested(int depth)
    {
        var s = "a=1";
        for (var i = 0; i < depth; i++)
        {
            s = $"a=1 [search {s} | fields a]";
        }

        return s;
    }

    private static ContentFolder EmptyContent()
    {
        var root = Path.Combine(Path.GetTempPath(), "escudo-deep-empty-content");
        Directory.CreateDirectory(Path.Combine(root, "detections"));
        return ContentFolder.Load(root);
    }

    private static SearchContext Context(IReadOnlyList<Row> events)
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var store = new MemoryStore(events);
        return new SearchContext
        {
            Now = GoldenSplTests.DefaultNow,
            Events = store,
            DataModels = store,
            Macros = new LayeredMacroSource([BuiltInMacros.Instance]),
        };
    }

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    /// <summary>Runs <paramref name="work"/> on a thread with a 1 MB stack; an overflow there ends the test process.</summary>
    private static (T? Result, Exception? Error) OnSmallStack<T>(Func<T> work)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = work();
                }
                catch (Exception e)
                {
                    error = e;
                }
            },
            OneMegabyte);
        thread.Start();
        thread.Join();
        return (result, error);
    }
}
