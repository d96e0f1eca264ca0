using System.Text.Json;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>
/// Detection files that are not runnable detections (YAML that does not parse, YAML that is not a
/// detection, a detection without a search) are counted and listed as unsupported with their error
/// by check, hunt and test alike, and never run (issue 14).
/// </summary>
public class InvalidContentTests
{
    private static string RegasmEvents => Path.Combine(SharedData.RepoRoot, "tests", "fixtures", "founding", "regasm_sysmon.xml");

    private static string Datasets => Path.Combine(SharedData.RepoRoot, "tests", "detection-tests", "datasets");

    /// <summary>The founding content plus four bad files; the expected reasons, by file.</summary>
    private static TempContent WithBadFiles(out Dictionary<string, string> reasons)
    {
        var c = TempContent.Founding();
        c.Write("detections/endpoint/broken_yaml.yml", "name: Broken\nid: 00000000-0000-0000-0000-00000000000a\nsearch: \"unterminated\n");
        c.Write("detections/endpoint/not_a_detection.yml", "description: a story, not a detection\nsearch: index=main\n");
        c.Write("detections/endpoint/no_id.yml", "name: No Id\ntype: TTP\nsearch: index=main\n");
        c.Write("detections/endpoint/no_search.yml", "name: No Search\nid: 00000000-0000-0000-0000-00000000000b\ntype: TTP\nstatus: production\ntests:\n- name: True Positive Test\n  attack_data:\n  - data: https://example.com/datasets/escudo/regasm/sysmon.log\n");
        reasons = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["detections/endpoint/broken_yaml.yml"] = "YAML error at line 3, column 9: While scanning a quoted scalar, found unexpected end of stream.",
            ["detections/endpoint/not_a_detection.yml"] = "not a detection: no `name`",
            ["detections/endpoint/no_id.yml"] = "not a detection: no `id`",
            ["detections/endpoint/no_search.yml"] = "invalid detection: no `search` (an empty search would match every event)",
        };
        return c;
    }

    [Fact]
    public void CheckCountsAndListsEveryBadFileWithItsError()
    {
        using var c = WithBadFiles(out var reasons);
        var r = EscudoProcess.Run("check", "--content", c.Root, "--format", "json");
        Assert.Equal(0, r.ExitCode); // the contract: check reports, exit 0 even when some are unsupported
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(8, doc.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(4, doc.RootElement.GetProperty("supported").GetInt32());
        var listed = doc.RootElement.GetProperty("unsupported").EnumerateArray().ToDictionary(e => e.GetProperty("file").GetString()!, e => e.GetProperty("reason").GetString()!);
        Assert.Equal(reasons, listed);
    }

    [Fact]
    public void HuntCountsBadFilesAsUnsupportedAndNeverRunsADetectionWithoutSearch()
    {
        using var c = WithBadFiles(out var reasons);
        var r = EscudoProcess.Run("hunt", "--content", c.Root, "--input", RegasmEvents, "--format", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var det = doc.RootElement.GetProperty("detections");
        Assert.Equal(8, det.GetProperty("total").GetInt32());
        Assert.Equal(4, det.GetProperty("run").GetInt32());
        Assert.Equal(4, det.GetProperty("unsupported").GetInt32());
        Assert.Equal(1, det.GetProperty("fired").GetInt32()); // regasm only: the search-less detection did not fire on every event
        var listed = doc.RootElement.GetProperty("unsupported").EnumerateArray().ToDictionary(e => e.GetProperty("file").GetString()!, e => e.GetProperty("reason").GetString()!);
        Assert.Equal(reasons, listed);
        var names = doc.RootElement.GetProperty("unsupported").EnumerateArray().Select(e => e.GetProperty("detection").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["No Id", "No Search", "broken_yaml", "not_a_detection"], names);
    }

    [Fact]
    public void HuntOnlySelectsBadFilesByFileNameToo()
    {
        using var c = WithBadFiles(out _);
        var r = EscudoProcess.Run("hunt", "--content", c.Root, "--input", RegasmEvents, "--only", "broken_*", "--format", "json");
        Assert.Equal(1, r.ExitCode); // the one selected detection cannot run
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("detections").GetProperty("unsupported").GetInt32());
        Assert.Contains("none of the 1 selected detections could run", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TestFailsEachBadFileWithItsError()
    {
        using var c = WithBadFiles(out var reasons);
        var r = EscudoProcess.Run("test", "--content", c.Root, "--datasets", Datasets);
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var (file, reason) in reasons)
        {
            Assert.Contains(lines, l => l.StartsWith("FAIL ", StringComparison.Ordinal) && l.EndsWith($":: load (0 results, 0.00s) - {file}: {reason}", StringComparison.Ordinal));
        }

        // The founding run is 4 passed, 1 failed, 1 skipped; the four bad files are four more failures.
        Assert.Equal("4 passed, 5 failed, 1 skipped", lines[^1]);
    }

    [Fact]
    public void ExplainOfABadFileGivesItsError()
    {
        using var c = WithBadFiles(out _);
        var r = EscudoProcess.Run("explain", "No Search", "--content", c.Root, "--input", RegasmEvents);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("No Search (detections/endpoint/no_search.yml): cannot run: invalid detection: no `search`", r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tags: ~", "YAML error at line 4, column 1: a key has no value where the detection format requires one")]
    [InlineData("status: ~", "YAML error at line 4, column 1: a key has no value where the detection format requires one")]
    [InlineData("type: ~", "YAML error at line 4, column 1: a key has no value where the detection format requires one")]
    [InlineData("tags: {observable: [~]}", "invalid detection: `tags.observable` has an empty entry (item 1)")]
    public void AnEmptyValueWhereOneIsRequiredIsUnsupportedNotACrash(string line, string reason)
    {
        // Each of these ended the whole hunt with an unhandled NullReferenceException (main at 7bfbd5f).
        using var c = TempContent.Founding();
        c.Write("detections/endpoint/empty_value.yml", $"name: Empty Value\nid: 00000000-0000-0000-0000-00000000000c\nsearch: '`sysmon` EventID=3'\n{line}\n");
        var r = EscudoProcess.Run("hunt", "--content", c.Root, "--input", RegasmEvents, "--format", "json");
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("exception", r.Stderr, StringComparison.OrdinalIgnoreCase);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("detections").GetProperty("fired").GetInt32());
        var unsupported = Assert.Single(doc.RootElement.GetProperty("unsupported").EnumerateArray());
        Assert.Equal("detections/endpoint/empty_value.yml", unsupported.GetProperty("file").GetString());
        Assert.Equal(reason, unsupported.GetProperty("reason").GetString());
    }

    [Fact]
    public void AFifoOrADeviceAmongTheDetectionsIsListedNotWaitedFor()
    {
        // Reading a FIFO waits for a writer that never comes; /dev/zero never ends. Run as a child
        // process, so that a regression ends at EscudoProcess's time limit instead of hanging the suite.
        using var c = TempContent.Founding();
        var fifo = Path.Combine(c.Detections, "endpoint", "fifo.yml");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        File.CreateSymbolicLink(Path.Combine(c.Detections, "endpoint", "zero.yml"), "/dev/zero");
        var r = EscudoProcess.Run("check", "--content", c.Root, "--format", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(6, doc.RootElement.GetProperty("total").GetInt32());
        var listed = doc.RootElement.GetProperty("unsupported").EnumerateArray().ToDictionary(e => e.GetProperty("file").GetString()!, e => e.GetProperty("reason").GetString()!);
        Assert.Equal("the file is empty (or not a regular file): not read", listed["detections/endpoint/fifo.yml"]);
        Assert.Equal("the file is empty (or not a regular file): not read", listed["detections/endpoint/zero.yml"]);
    }
}
