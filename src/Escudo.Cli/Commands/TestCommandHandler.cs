using System.Diagnostics;
using System.Xml.Linq;
using Escudo.Detections.Content;
using Escudo.Detections.Testing;

namespace Escudo.Cli.Commands;

/// <summary><c>escudo test</c>: replay each detection's datasets and say whether it fires; last line <c>N passed, M failed, K skipped</c>.</summary>
internal static class TestCommandHandler
{
    public static int Run(string contentDir, string? datasets, IReadOnlyList<string> only, string? junit, string? changedSince, IReadOnlyList<string> macros)
    {
        var content = CliIo.LoadContent(contentDir, macros);
        if (content is null)
        {
            return 1;
        }

        if (!DetectionSelection.RequireDetectionFiles(content, contentDir))
        {
            return 1;
        }

        if (datasets is not null && !Directory.Exists(datasets))
        {
            Console.Error.WriteLine($"escudo: --datasets folder not found: {datasets}");
            return 1;
        }

        var matched = content.Detections.Where(d => !d.IsDeprecated)
            .Where(d => only.Count == 0 || only.Any(p => Glob.MatchesDetection(p, d)))
            .ToList();

        // A detection file that does not load cannot be tested: it fails, with its error, so that
        // broken content turns the run red instead of leaving the totals.
        var invalid = content.Invalid.Where(d => !d.IsDeprecated)
            .Where(d => only.Count == 0 || only.Any(p => DetectionSelection.Matches(p, d)))
            .ToList();
        if (matched.Count + invalid.Count == 0)
        {
            Console.Error.WriteLine(only.Count > 0
                ? $"escudo: no detection matches {DetectionSelection.Describe(only, [], [])} in {contentDir}"
                : $"escudo: no detection to test in {contentDir}: all are deprecated");
            return 1;
        }

        var selected = matched.Where(d => d.Tests is { Count: > 0 }).ToList();
        if (selected.Count + invalid.Count == 0)
        {
            Console.Error.WriteLine($"escudo: nothing to test: none of the {matched.Count} detections{(only.Count > 0 ? " matching " + DetectionSelection.Describe(only, [], []) : string.Empty)} in {contentDir} has a tests: block");
            return 1;
        }

        if (changedSince is not null)
        {
            var changed = ChangedFiles(contentDir, changedSince);
            if (changed is null)
            {
                Console.Error.WriteLine($"escudo: cannot list files changed since {changedSince} (is {contentDir} in a git repository?)");
                return 1;
            }

            bool Changed(string file) => changed.Contains(Path.GetFullPath(Path.Combine(content.Root, file)));
            selected = selected.Where(d => Changed(d.File)).ToList();
            invalid = invalid.Where(d => Changed(d.File)).ToList();
            if (selected.Count + invalid.Count == 0)
            {
                // Not an error: in CI most changes touch no detection. It is said, not silent.
                Console.Error.WriteLine($"escudo: no detection with tests changed since {changedSince}: nothing to test");
            }
        }

        var outcomes = RunAll(new DetectionTestRunner(content, datasets), invalid, selected);
        if (junit is not null)
        {
            WriteJUnit(junit, outcomes);
        }

        return Summarize(outcomes, datasets);
    }

    /// <summary>Runs every selected detection's tests, printing a line an outcome; the files that do not load fail first.</summary>
    private static List<TestOutcome> RunAll(DetectionTestRunner runner, List<InvalidDetection> invalid, List<Detection> selected)
    {
        var outcomes = new List<TestOutcome>();
        foreach (var d in invalid)
        {
            var outcome = new TestOutcome(DetectionSelection.AsUnsupportedRun(d).Detection, "load", TestStatus.Failed, 0, $"{d.File}: {d.Reason}", null, 0);
            outcomes.Add(outcome);
            Console.WriteLine($"FAIL {d.Name} :: load (0 results, 0.00s) - {outcome.Reason}");
        }

        foreach (var d in selected)
        {
            foreach (var outcome in runner.Run(d))
            {
                outcomes.Add(outcome);
                var word = outcome.Status switch
                {
                    TestStatus.Passed => "PASS",
                    TestStatus.Failed => "FAIL",
                    _ => "SKIP",
                };
                Console.WriteLine($"{word} {d.Name} :: {outcome.TestName} ({outcome.ResultCount} results, {outcome.Seconds:0.00}s){(outcome.Reason is null ? string.Empty : " - " + outcome.Reason)}");
                if (outcome.Status == TestStatus.Failed && outcome.Explanation is not null)
                {
                    foreach (var line in outcome.Explanation.Split('\n'))
                    {
                        Console.WriteLine("    " + line);
                    }
                }
            }
        }

        return outcomes;
    }

    /// <summary>The last line (N passed, M failed, K skipped) and the exit code; a run where everything was skipped says so.</summary>
    private static int Summarize(List<TestOutcome> outcomes, string? datasets)
    {
        var passed = outcomes.Count(o => o.Status == TestStatus.Passed);
        var failed = outcomes.Count(o => o.Status == TestStatus.Failed);
        var skipped = outcomes.Count(o => o.Status == TestStatus.Skipped);
        if (skipped > 0 && passed + failed == 0)
        {
            // The contract keeps a skip from failing the run; it must not look like a tested one either.
            // Reasons grouped by their kind ("dataset not available locally: <url>" -> the words before the colon).
            var reasons = outcomes.GroupBy(o => (o.Reason ?? "skipped").Split(": ", 2)[0], StringComparer.Ordinal)
                .Select(g => $"{g.Key} ({g.Count()})");
            Console.Error.WriteLine($"escudo: warning: all {skipped} tests were skipped, nothing was tested{(datasets is null ? " (no --datasets folder given)" : string.Empty)}: {string.Join(", ", reasons)}");
        }

        Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
        return failed > 0 ? 1 : 0;
    }

    private static HashSet<string>? ChangedFiles(string dir, string rev)
    {
        try
        {
            var top = Git(dir, "rev-parse --show-toplevel")?.Trim();
            var list = Git(dir, $"diff --name-only {rev} --");
            if (top is null || list is null)
            {
                return null;
            }

            return list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(f => Path.GetFullPath(Path.Combine(top, f))).ToHashSet(StringComparer.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? Git(string dir, string args)
    {
        var psi = new ProcessStartInfo("git", args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : null;
    }

    private static void WriteJUnit(string path, List<TestOutcome> outcomes)
    {
        var suite = new XElement(
            "testsuite",
            new XAttribute("name", "escudo"),
            new XAttribute("tests", outcomes.Count),
            new XAttribute("failures", outcomes.Count(o => o.Status == TestStatus.Failed)),
            new XAttribute("skipped", outcomes.Count(o => o.Status == TestStatus.Skipped)),
            new XAttribute("time", outcomes.Sum(o => o.Seconds).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)),
            outcomes.Select(o =>
            {
                var tc = new XElement(
                    "testcase",
                    new XAttribute("classname", o.Detection.File),
                    new XAttribute("name", $"{o.Detection.Name} :: {o.TestName}"),
                    new XAttribute("time", o.Seconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)));
                if (o.Status == TestStatus.Failed)
                {
                    tc.Add(new XElement("failure", new XAttribute("message", o.Reason ?? "failed"), o.Explanation ?? string.Empty));
                }
                else if (o.Status == TestStatus.Skipped)
                {
                    tc.Add(new XElement("skipped", new XAttribute("message", o.Reason ?? "skipped")));
                }

                return tc;
            }));
        new XDocument(new XElement("testsuites", suite)).Save(path);
    }
}
