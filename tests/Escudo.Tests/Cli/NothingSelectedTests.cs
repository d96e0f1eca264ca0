using System.Text.Json;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>
/// The contract: a selector or a content folder that selects nothing is exit 1 naming what was
/// looked for; nothing ends with exit 0 having silently done nothing (issue 14, "green where it must be red").
/// </summary>
public class NothingSelectedTests
{
    private static string Founding => Path.Combine(SharedData.RepoRoot, "tests", "detection-tests", "content");

    private static string Datasets => Path.Combine(SharedData.RepoRoot, "tests", "detection-tests", "datasets");

    private static string RegasmEvents => Path.Combine(SharedData.RepoRoot, "tests", "fixtures", "founding", "regasm_sysmon.xml");

    [Fact]
    public void HuntWithAnUnknownTypeNamesItAndTheValidValues()
    {
        var r = EscudoProcess.Run("hunt", "--content", Founding, "--input", RegasmEvents, "--type", "ttpx", "--format", "json");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown --type `ttpx`; valid values: TTP, Anomaly, Hunting, Correlation", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Stdout);
    }

    [Fact]
    public void HuntWithAValidTypeThatNoDetectionHasNamesIt()
    {
        var r = EscudoProcess.Run("hunt", "--content", Founding, "--input", RegasmEvents, "--type", "Correlation");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no detection matches --type Correlation", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void HuntWithOnlyThatMatchesNothingNamesTheGlob()
    {
        var r = EscudoProcess.Run("hunt", "--content", Founding, "--input", RegasmEvents, "--only", "no-such", "--format", "json");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no detection matches --only `no-such`", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Stdout);
    }

    [Fact]
    public void HuntWhereEverySelectedDetectionIsUnsupportedIsRed()
    {
        using var c = TempContent.Empty();
        c.Write("detections/endpoint/x.yml", "name: Unknown Command\nid: 00000000-0000-0000-0000-000000000001\ntype: TTP\nsearch: '| nosuchcommand'\n");
        var r = EscudoProcess.Run("hunt", "--content", c.Root, "--input", RegasmEvents, "--format", "json");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("none of the 1 selected detections could run", r.Stderr, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(r.Stdout);
        Assert.Equal(1, summary.RootElement.GetProperty("detections").GetProperty("unsupported").GetInt32());
    }

    [Fact]
    public void HuntRejectsANowThatIsNotEpochSeconds()
    {
        var r = EscudoProcess.Run("hunt", "--content", Founding, "--input", RegasmEvents, "--now", "1e300");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--now 1e300 is outside the years 1 to 9999", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TestWithOnlyThatMatchesNothingNamesTheGlobAndPrintsNoCounts()
    {
        var r = EscudoProcess.Run("test", "--content", Founding, "--datasets", Datasets, "--only", "no such");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no detection matches --only `no such`", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("passed", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void TestWhereNoDetectionHasTestsSaysSo()
    {
        using var c = TempContent.Empty();
        c.Write("detections/endpoint/x.yml", "name: No Tests\nid: 00000000-0000-0000-0000-000000000002\ntype: TTP\nsearch: index=main\n");
        var r = EscudoProcess.Run("test", "--content", c.Root);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nothing to test: none of the 1 detections", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("has a tests: block", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TestWithADatasetsFolderThatIsNotThereNamesIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "escudo-no-such-datasets-" + Guid.NewGuid().ToString("N"));
        var r = EscudoProcess.Run("test", "--content", Founding, "--datasets", missing);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--datasets folder not found: " + missing, r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TestWhereEveryTestIsSkippedSaysNothingWasTested()
    {
        // The contract: a dataset not available locally is a skip, not a failure; so the exit stays 0, but it is said.
        var r = EscudoProcess.Run("test", "--content", Founding, "--only", "*regasm with network*");
        Assert.Equal(0, r.ExitCode);
        Assert.EndsWith("0 passed, 0 failed, 2 skipped", r.Stdout.TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("warning: all 2 tests were skipped, nothing was tested (no --datasets folder given): dataset not available locally (2)", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckOfAFolderWithoutDetectionsIsAnError()
    {
        using var noFolder = TempContent.Empty();
        var r = EscudoProcess.Run("check", "--content", noFolder.Root);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"no detections in {noFolder.Root}: it has no detections/ folder", r.Stderr, StringComparison.Ordinal);

        Directory.CreateDirectory(noFolder.Detections);
        r = EscudoProcess.Run("check", "--content", noFolder.Root, "--format", "json");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{noFolder.Detections} holds no .yml files", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Stdout);
    }

    [Fact]
    public void EveryContentCommandNamesAContentFolderThatIsNotThere()
    {
        var missing = Path.Combine(Path.GetTempPath(), "escudo-no-such-content-" + Guid.NewGuid().ToString("N"));
        foreach (var args in new[]
        {
            new[] { "check", "--content", missing },
            ["hunt", "--content", missing, "--input", RegasmEvents],
            ["test", "--content", missing],
            ["explain", "x", "--content", missing, "--input", RegasmEvents],
        })
        {
            var r = EscudoProcess.Run(args);
            Assert.True(r.ExitCode == 1, $"{args[0]}: exit {r.ExitCode}");
            Assert.Contains("content folder not found: " + missing, r.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AContentPathThatIsAFileIsNamedAsSuch()
    {
        var r = EscudoProcess.Run("check", "--content", RegasmEvents);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("content folder is a file, not a folder: " + RegasmEvents, r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AMacrosFolderThatIsNotThereIsAnError()
    {
        var missing = Path.Combine(Path.GetTempPath(), "escudo-no-such-macros-" + Guid.NewGuid().ToString("N"));
        var r = EscudoProcess.Run("check", "--content", Founding, "--macros", missing);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--macros folder not found: " + missing, r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainOfADetectionThatDoesNotExistNamesWhatWasLookedFor()
    {
        var r = EscudoProcess.Run("explain", "No Such Detection", "--content", Founding, "--input", RegasmEvents);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no detection matches `No Such Detection` (by name, file or id) among the 4", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainNeedsEvents()
    {
        var r = EscudoProcess.Run("explain", "Detect Regasm with Network Connection", "--content", Founding);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--input", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainOfADetectionThatCannotRunIsRed()
    {
        using var c = TempContent.Empty();
        c.Write("detections/endpoint/x.yml", "name: Unknown Command\nid: 00000000-0000-0000-0000-000000000003\ntype: TTP\nsearch: '| nosuchcommand'\n");
        var r = EscudoProcess.Run("explain", "Unknown Command", "--content", c.Root, "--input", RegasmEvents);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Unknown Command (detections/endpoint/x.yml): cannot run:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("nosuchcommand", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void NewTestWhereTheSearchMatchesNothingWritesNothingAndSaysSo()
    {
        var output = Path.Combine(Path.GetTempPath(), "escudo-new-test-" + Guid.NewGuid().ToString("N") + ".log");
        var r = EscudoProcess.Run("new-test", "--input", RegasmEvents, "--search", "EventCode=99999", "--out", output);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no event matches --search `EventCode=99999` among the 9 read: nothing written to " + output, r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.DoesNotContain("attack_data", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void DemoRunsBothFoundingDetectionsAndEachFires()
    {
        var r = EscudoProcess.Run("demo", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        var searchNames = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("search_name").GetString()).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["ESCU - Detect Regasm with Network Connection - Rule", "ESCU - Windows Remote Access Software RMS Registry - Rule"], searchNames);
    }
}
