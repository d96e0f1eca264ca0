using System.Xml.Linq;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>`escudo test` over tests/detection-tests: passes, a must_not_fire pass, a failure with its reason, a skip.</summary>
public class DetectionTestCommandTests
{
    private static string Dir(string name) => Path.Combine(SharedData.RepoRoot, "tests", "detection-tests", name);

    [Fact]
    public void ReportsEachTestAsItShouldAndClosesWithCounts()
    {
        var junit = Path.Combine(Path.GetTempPath(), "escudo-junit-" + Guid.NewGuid().ToString("N") + ".xml");
        var r = EscudoProcess.Run("test", "--content", Dir("content"), "--datasets", Dir("datasets"), "--junit", junit);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(1, r.ExitCode); // one test fails on purpose
        Assert.Equal("4 passed, 1 failed, 1 skipped", lines[^1]);
        Assert.Contains(lines, l => l.StartsWith("PASS Detect Regasm with Network Connection :: True Positive Test (2 results", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("PASS Detect Regasm with Network Connection :: No alert on benign activity (0 results", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("PASS Windows Remote Access Software RMS Registry :: True Positive Test (3 results", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("PASS Windows Remote Access Software RMS Registry :: No alert on benign activity", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("FAIL Regasm With Misspelled Field :: True Positive Test (0 results", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("SKIP Rundll32 Without Local Dataset", StringComparison.Ordinal) && l.Contains("not available locally", StringComparison.Ordinal));

        // The explanation names the clause that removed every event.
        var explanation = lines.SkipWhile(l => !l.StartsWith("FAIL", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).ToList();
        var clause = explanation.Single(l => l.Contains("match alone", StringComparison.Ordinal) && l.Contains("process_nam=regasm.exe", StringComparison.Ordinal));
        Assert.Matches(@"^\s+0 match alone,\s+0 remain", clause);

        var doc = XDocument.Load(junit);
        var suite = doc.Root!.Element("testsuite")!;
        Assert.Equal("6", suite.Attribute("tests")!.Value);
        Assert.Equal("1", suite.Attribute("failures")!.Value);
        Assert.Equal("1", suite.Attribute("skipped")!.Value);
        File.Delete(junit);
    }

    [Fact]
    public void OnlySelectsDetectionsByGlob()
    {
        var r = EscudoProcess.Run("test", "--content", Dir("content"), "--datasets", Dir("datasets"), "--only", "*rms*");
        Assert.Equal(0, r.ExitCode);
        Assert.EndsWith("2 passed, 0 failed, 0 skipped", r.Stdout.TrimEnd());
    }

    [Fact]
    public void MissingDatasetsFolderSkipsInsteadOfFailing()
    {
        var r = EscudoProcess.Run("test", "--content", Dir("content"), "--only", "*regasm with network*");
        Assert.Equal(0, r.ExitCode);
        Assert.EndsWith("0 passed, 0 failed, 2 skipped", r.Stdout.TrimEnd());
    }
}
