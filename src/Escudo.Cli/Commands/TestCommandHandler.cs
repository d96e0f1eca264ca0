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

        var selected = content.Detections.Where(d => !d.IsDeprecated && d.Tests is { Count: > 0 })
            .Where(d => only.Count == 0 || only.Any(p => Glob.MatchesDetection(p, d)))
            .ToList();
        if (changedSince is not null)
        {
            var changed = ChangedFiles(contentDir, changedSince);
            if (changed is null)
            {
                Console.Error.WriteLine($"escudo: cannot list files changed since {changedSince} (is {contentDir} in a git repository?)");
                return 1;
            }

            selected = selected.Where(d => changed.Contains(Path.GetFullPath(Path.Combine(content.Root, d.File)))).ToList();
        }

        var runner = new DetectionTestRunner(content, datasets);
        var outcomes = new List<TestOutcome>();
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

        if (junit is not null)
        {
            WriteJUnit(junit, outcomes);
        }

        var passed = outcomes.Count(o => o.Status == TestStatus.Passed);
        var failed = outcomes.Count(o => o.Status == TestStatus.Failed);
        var skipped = outcomes.Count(o => o.Status == TestStatus.Skipped);
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
