using Escudo.Detections.Content;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>
/// The two detections Escudo started from, end to end through the CLI: the literal ESCU search
/// line, ESCU's own macros, and XmlWinEventLog fixtures whose right answer was worked out by hand
/// (see the comments in each expected file's test below).
/// </summary>
public class FoundingDetectionTests
{
    private static string Fixture(string name) => Path.Combine(SharedData.RepoRoot, "tests", "fixtures", "founding", name);

    private static string EscuSearch(string file) =>
        ContentFolder.LoadDetection(Path.Combine(SharedData.Require("escu"), "detections", "endpoint", file)).Search;

    [Fact]
    public void RegasmSearchReturnsOnlyPublicDestinationsWithAllByFields()
    {
        // For Sysmon 3, `dest` is the remote end (DestinationHostname, else DestinationIp: the Sysmon
        // add-on's EVAL-dest), so with no resolved hostnames it equals dest_ip.
        // Fixture: regasm.exe on wks-01 reaches 185.199.108.133 twice (one row, count 2),
        // 172.32.9.14 (outside 172.16.0.0/12, kept), 172.31.255.254, 10.20.30.40 and 192.168.1.1
        // (private, excluded); on wks-02 regasm reaches 8.8.8.8 without a User field (stats drops
        // rows whose by-field is null) and chrome.exe reaches a public address (wrong process).
        var r = EscudoProcess.Run("search", EscuSearch("detect_regasm_with_network_connection.yml"), "--content", SharedData.Require("escu"), "--input", Fixture("regasm_sysmon.xml"), "--format", "jsonl");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(File.ReadAllText(Fixture("regasm_sysmon.expected.jsonl")), r.Stdout);
        Assert.DoesNotContain("172.31.255.254", r.Stdout);
        Assert.Contains("\"dest_ip\":\"172.32.9.14\"", r.Stdout);
    }

    [Fact]
    public void RegasmSearchJsonIsAnArrayOfTheSameObjects()
    {
        var r = EscudoProcess.Run("search", EscuSearch("detect_regasm_with_network_connection.yml"), "--content", SharedData.Require("escu"), "--input", Fixture("regasm_sysmon.xml"), "--format", "json");
        Assert.Equal(0, r.ExitCode);
        var lines = File.ReadAllLines(Fixture("regasm_sysmon.expected.jsonl"));
        Assert.Equal("[" + string.Join(",", lines) + "]", r.Stdout.Trim());
    }

    [Fact]
    public void RmsRegistryTstatsFillsNullByFieldsAndGroupsByKey()
    {
        // Fixture: on wks-01 a CreateKey of HKLM\SYSTEM\Remote Manipulator System and two SetValue
        // of ...\Parameters\Options (one row, count 2); on wks-02 a CreateKey without User (the
        // Registry dataset's calculated `user` defaults to "unknown") and an unrelated Run key.
        // registry_value_data is "unknown" for CreateKey: CIM's default for calculated fields.
        var r = EscudoProcess.Run("search", EscuSearch("windows_remote_access_software_rms_registry.yml"), "--content", SharedData.Require("escu"), "--input", Fixture("rms_sysmon.xml"), "--format", "jsonl");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(File.ReadAllText(Fixture("rms_sysmon.expected.jsonl")), r.Stdout);
        Assert.DoesNotContain("OneDrive", r.Stdout);
    }

    [Fact]
    public void SyntaxErrorShowsPositionWithCaretAndExitsTwo()
    {
        var r = EscudoProcess.Run("search", "EventCode=1 | stats count(", "--format", "json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("(line 1, column 27)", r.Stderr);
        var lines = r.Stderr.Split('\n');
        var caretLine = lines.First(l => l.TrimStart().StartsWith('^'));
        Assert.Equal(2 + 26, caretLine.IndexOf('^'));
        Assert.Equal(string.Empty, r.Stdout);
    }

    [Fact]
    public void UnknownCommandExitsTwo()
    {
        var r = EscudoProcess.Run("search", "| makeresults | frobnicate x", "--format", "json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown command `frobnicate`", r.Stderr);
    }

    [Fact]
    public void UnknownMacroExitsTwo()
    {
        var r = EscudoProcess.Run("search", "`no_such_macro` | stats count", "--format", "json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown macro `no_such_macro`", r.Stderr);
    }

    [Fact]
    public void DemoRunsBothFoundingDetections()
    {
        var r = EscudoProcess.Run("demo", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("\"search_name\":\"ESCU - Detect Regasm with Network Connection - Rule\"", r.Stdout);
        Assert.Contains("\"risk_message\":\"the registry related to RMS tool is created in win-demo-01.escudo.local\"", r.Stdout);
        Assert.Contains("\"risk_score\":\"90\"", r.Stdout);
        Assert.Contains("\"risk_score\":\"80\"", r.Stdout);
    }
}
