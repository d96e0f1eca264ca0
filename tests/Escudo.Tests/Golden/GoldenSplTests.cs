using System.Globalization;
using System.Text;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Store;
using Escudo.Ingest;
using Escudo.Ingest.Json;
using Escudo.Ingest.Sources;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;
using Escudo.Tests.Support;

namespace Escudo.Tests.Golden;

/// <summary>
/// Runs the plain-text golden suite under <c>tests/golden/</c>: every <c>spl/**/*.test</c> file
/// is one theory case (see <see cref="GoldenFile"/> for the format) and every
/// <c>eval/*.cases</c> file is one theory case of <c>expression ⇶ expected</c> lines.
/// Expected output follows Splunk's documentation, cited by each file's <c># source:</c> line.
/// </summary>
public class GoldenSplTests
{
    public const double DefaultNow = 1_700_000_000;

    public static string GoldenRoot => Path.Combine(SharedData.RepoRoot, "tests", "golden");

    public static TheoryData<string> TestFiles() => [.. Discover("spl", "*.test")];

    public static TheoryData<string> CaseFiles() => [.. Discover("eval", "*.cases")];

    private static List<string> Discover(string folder, string pattern) =>
        [.. Directory.EnumerateFiles(Path.Combine(GoldenRoot, folder), pattern, SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(GoldenRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    [Fact]
    public void SuiteIsPresentAndLarge()
    {
        var cases = Discover("spl", "*.test").Sum(f => GoldenFile.Parse(Path.Combine(GoldenRoot, f)).CaseCount)
            + Discover("eval", "*.cases").Sum(f => ReadCases(Path.Combine(GoldenRoot, f)).Count(c => c.Now is null));
        Assert.True(cases >= 300, $"only {cases} golden cases");
    }

    [Theory]
    [MemberData(nameof(TestFiles))]
    public void Golden(string file)
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var path = Path.Combine(GoldenRoot, file);
        var golden = GoldenFile.Parse(path);
        Assert.True(golden.Sources.Count > 0, $"{file}: no `# source:` line citing the Splunk documentation");

        var now = DefaultNow;
        IReadOnlyList<Row> events = [];
        var macros = new DictionaryMacroSource();
        var lookups = new LookupStore();
        var failures = new List<string>();
        foreach (var step in golden.Steps)
        {
            switch (step.Kind)
            {
                case GoldenStepKind.Now:
                    now = double.Parse(step.Text, CultureInfo.InvariantCulture);
                    break;
                case GoldenStepKind.Events:
                    events = ReadEvents(string.Join('\n', step.Lines), file);
                    break;
                case GoldenStepKind.Load:
                    events = [.. InputReader.Read(Path.Combine(GoldenRoot, step.Text))];
                    break;
                case GoldenStepKind.Macro:
                    macros.Add(ParseMacro(step.Text));
                    break;
                case GoldenStepKind.Lookup:
                    lookups.Add(ParseLookup(step.Text));
                    break;
                case GoldenStepKind.Query:
                case GoldenStepKind.Error:
                    {
                        var problem = RunCase(step, now, events, macros, lookups);
                        if (step.Gap is not null)
                        {
                            // A known gap must still differ: the day it passes, its mark goes.
                            if (problem is null)
                            {
                                failures.Add($"{file}:{step.Line}: marked `gap {step.Gap}` but now passes: remove the `gap` line");
                            }
                        }
                        else if (problem is not null)
                        {
                            failures.Add($"{file}:{step.Line}: {step.Text.ReplaceLineEndings(" ")}\n{problem}");
                        }

                        break;
                    }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Theory]
    [MemberData(nameof(CaseFiles))]
    public void EvalCases(string file)
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var path = Path.Combine(GoldenRoot, file);
        Assert.Contains(File.ReadLines(path), l => l.StartsWith("# source:", StringComparison.Ordinal));
        var now = DefaultNow;
        var failures = new List<string>();
        foreach (var c in ReadCases(path))
        {
            if (c.Now is { } n)
            {
                now = n;
                continue;
            }

            var context = new SearchContext { Now = now, Macros = new LayeredMacroSource([BuiltInMacros.Instance]) };
            var compiled = SplEngine.Compile("| makeresults | eval golden_result=(" + c.Expression + ")", context);
            if (!compiled.Success)
            {
                var diag = compiled.Diagnostic!.Format(compiled.Text);
                if (!(c.Expected.StartsWith("SPL", StringComparison.Ordinal) && diag.Contains(c.Expected, StringComparison.Ordinal)))
                {
                    failures.Add($"{file}:{c.Line}: {c.Expression}\n  expected {c.Expected}\n  compile error {diag}");
                }

                continue;
            }

            var rows = compiled.Search!.Run().ToList();
            var v = rows.Count == 1 ? rows[0].Get("golden_result") : Value.Null;
            var actual = Display(v);
            if (actual != c.Expected)
            {
                failures.Add($"{file}:{c.Line}: {c.Expression}\n  expected {c.Expected}\n  actual   {actual}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Display(Value v) => v.Kind switch
    {
        ValueKind.Null => "<null>",
        ValueKind.Multi => "[" + string.Join(",", v.Items.ToArray()) + "]",
        _ => v.ToDisplayString(),
    };

    public sealed record EvalCase(int Line, string Expression, string Expected, double? Now);

    public static List<EvalCase> ReadCases(string path)
    {
        var cases = new List<EvalCase>();
        var n = 0;
        foreach (var raw in File.ReadLines(path))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("now ", StringComparison.Ordinal))
            {
                cases.Add(new EvalCase(n, string.Empty, string.Empty, double.Parse(line[4..], CultureInfo.InvariantCulture)));
                continue;
            }

            var sep = line.LastIndexOf('⇶');
            if (sep < 0)
            {
                throw new FormatException($"{path}:{n}: no `⇶` in a case line");
            }

            // The expected text is everything after `⇶ `, trailing spaces included.
            var rawSep = raw.LastIndexOf('⇶');
            var expected = raw[(rawSep + 1)..].TrimEnd('\r');
            cases.Add(new EvalCase(n, line[..sep].Trim(), expected.StartsWith(' ') ? expected[1..] : expected, null));
        }

        return cases;
    }

    private static string? RunCase(GoldenStep step, double now, IReadOnlyList<Row> events, DictionaryMacroSource macros, LookupStore lookups)
    {
        var store = new MemoryStore(events);
        var warnings = new List<Diagnostic>();
        var context = new SearchContext
        {
            Now = now,
            Events = store,
            DataModels = store,
            Lookups = lookups,
            Macros = new LayeredMacroSource([macros, BuiltInMacros.Instance]),
            Warnings = warnings.Add,
        };
        var compiled = SplEngine.Compile(step.Text, context);
        if (step.Kind == GoldenStepKind.Error)
        {
            if (compiled.Success)
            {
                return "  expected a diagnostic, but the search compiled";
            }

            var formatted = compiled.Diagnostic!.Format(compiled.Text);
            var expected = string.Join('\n', step.Lines);
            return formatted.StartsWith(expected, StringComparison.Ordinal) ? null : $"  expected {expected}\n  actual   {formatted}";
        }

        if (!compiled.Success)
        {
            return "  did not compile: " + compiled.Diagnostic!.Format(compiled.Text);
        }

        List<string> actual;
        try
        {
            actual = compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r)).ToList();
        }
        catch (Exception e) when (e is SearchLimitException or InvalidOperationException or ArgumentException)
        {
            return "  failed at run time: " + e.Message;
        }

        if (actual.SequenceEqual(step.Lines, StringComparer.Ordinal))
        {
            return null;
        }

        var sb = new StringBuilder();
        sb.AppendLine("  expected:");
        foreach (var l in step.Lines)
        {
            sb.Append("    ").AppendLine(l);
        }

        sb.AppendLine("  actual:");
        foreach (var l in actual)
        {
            sb.Append("    ").AppendLine(l);
        }

        return sb.ToString().TrimEnd();
    }

    public static List<Row> ReadEvents(string jsonLines, string name) =>
        [.. JsonEventReader.Read(new StringReader(jsonLines), name, EventReadOptions.Default, p => throw new FormatException($"{name}: event line {p}"))];

    /// <summary><c>name(a, b) = definition</c> or <c>name = definition</c>.</summary>
    public static MacroDefinition ParseMacro(string text)
    {
        var eq = text.IndexOf(" = ", StringComparison.Ordinal);
        if (eq < 0)
        {
            throw new FormatException($"macro line without ` = `: {text}");
        }

        var head = text[..eq].Trim();
        var def = text[(eq + 3)..].Trim();
        var paren = head.IndexOf('(', StringComparison.Ordinal);
        if (paren < 0)
        {
            return new MacroDefinition(head, [], def);
        }

        var args = head[(paren + 1)..head.LastIndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new MacroDefinition(head[..paren], args, def);
    }

    /// <summary><c>name file.csv [match_type=WILDCARD(a),CIDR(b)] [case_sensitive_match=false] [max_matches=N] [min_matches=N] [default_match=X]</c>.</summary>
    public static LookupTable ParseLookup(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (columns, rows) = CsvReader.Read(Path.Combine(GoldenRoot, "fixtures", parts[1]));
        var opts = parts.Skip(2).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.Ordinal);
        var table = new LookupTable(parts[0], columns, rows)
        {
            CaseSensitive = !opts.TryGetValue("case_sensitive_match", out var cs) || !cs.Equals("false", StringComparison.OrdinalIgnoreCase),
            MaxMatches = opts.TryGetValue("max_matches", out var max) ? int.Parse(max, CultureInfo.InvariantCulture) : 1000,
            MinMatches = opts.TryGetValue("min_matches", out var min) ? int.Parse(min, CultureInfo.InvariantCulture) : 0,
            DefaultMatch = opts.GetValueOrDefault("default_match"),
        };
        if (opts.TryGetValue("match_type", out var mt))
        {
            foreach (var m in mt.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var open = m.IndexOf('(', StringComparison.Ordinal);
                var col = m[(open + 1)..^1];
                (m.StartsWith("WILDCARD", StringComparison.OrdinalIgnoreCase) ? table.WildcardColumns : table.CidrColumns).Add(col);
            }
        }

        return table;
    }
}
