using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>
/// How every reading command treats its --input paths (issue 14): missing or unreadable is exit 1
/// naming the path; an input with no readable events is a warning and exit 1 unless
/// --allow-empty; warnings are capped per file, with a summary, and --quiet silences them;
/// damaged parts are reported and every valid event beside them is still read.
/// </summary>
public sealed class InputHandlingTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(SharedData.RepoRoot, "tests/fixtures/founding/regasm_sysmon.xml");

    private static readonly string[] FixtureLines = File.ReadAllLines(Fixture);

    private static readonly string Content = Path.Combine(SharedData.RepoRoot, "tests/detection-tests/content");

    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-inputs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] StderrLines(EscudoProcess.Result r) => r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static TheoryData<string[]> ReadingCommands() =>
    [
        ["export", "{0}"],
        ["search", "EventCode=3", "--input", "{0}", "--format", "json"],
        ["hunt", "--content", "{c}", "--input", "{0}", "--format", "json"],
        ["explain", "*", "--content", "{c}", "--input", "{0}"],
        ["new-test", "--input", "{0}", "--out", "{o}"],
    ];

    private string[] Args(string[] template, string input) =>
        [.. template.Select(a => a.Replace("{0}", input, StringComparison.Ordinal).Replace("{c}", Content, StringComparison.Ordinal).Replace("{o}", Path.Combine(_dir, "out.log"), StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(ReadingCommands))]
    public void MissingInputIsExitOneNamingThePath(string[] command)
    {
        var missing = Path.Combine(_dir, "no-such-input");
        var r = EscudoProcess.Run(Args(command, missing));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"escudo: error: input {missing}: no such file or folder", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("fired", r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ReadingCommands))]
    public void EmptyFolderIsAWarningAndExitOneUnlessAllowed(string[] command)
    {
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        var r = EscudoProcess.Run(Args(command, empty));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"escudo: warning: no readable events in {empty} (--allow-empty to accept that)", r.Stderr, StringComparison.Ordinal);

        if (command[0] != "new-test")
        {
            var allowed = EscudoProcess.Run([.. Args(command, empty), "--allow-empty"]);
            Assert.Equal(0, allowed.ExitCode);
        }
    }

    [Fact]
    public void RandomBytesEvtxIsNamedAndExitOne()
    {
        var bytes = new byte[64 * 1024];
        new Random(1402).NextBytes(bytes);
        bytes[0] = 0x01;
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        File.WriteAllBytes(Path.Combine(dir, "random.evtx"), bytes);
        var r = EscudoProcess.Run("export", dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{Path.Combine(dir, "random.evtx")} at 0: format detection: not EVTX, XmlWinEventLog, JSON lines or zip", r.Stderr, StringComparison.Ordinal);
        Assert.Contains($"no readable events in {dir}", r.Stderr, StringComparison.Ordinal);

        // Beside a good file the folder has events: the warning stays, the exit code is 0.
        File.Copy(Fixture, Path.Combine(dir, "good.xml"));
        var mixed = EscudoProcess.Run("export", dir);
        Assert.Equal(0, mixed.ExitCode);
        Assert.Equal(FixtureLines.Length, mixed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("random.evtx at 0: format detection", mixed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void WarningsAreCappedPerFileWithASummaryAndQuietSilencesThem()
    {
        var noisy = Path.Combine(_dir, "noisy.json");
        var lines = Enumerable.Range(0, 1000).Select(i => "{not json " + i).Prepend("{\"time\":1600000000,\"event\":\"the one good line\"}");
        File.WriteAllLines(noisy, lines);
        var r = EscudoProcess.Run("export", noisy, "--format", "json");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("the one good line", r.Stdout, StringComparison.Ordinal);
        var about = StderrLines(r).Where(l => l.Contains(noisy, StringComparison.Ordinal)).ToList();
        Assert.Equal(6, about.Count);
        Assert.Equal($"escudo: warning: 995 more problems in {noisy} (1,000 in all)", about[^1]);

        var quiet = EscudoProcess.Run("export", noisy, "--format", "json", "--quiet");
        Assert.Equal(0, quiet.ExitCode);
        Assert.Equal(string.Empty, quiet.Stderr);
        Assert.Contains("the one good line", quiet.Stdout, StringComparison.Ordinal);
    }

    private string DamagedZip()
    {
        var zip = Path.Combine(_dir, "logs.zip");
        var other = File.ReadAllLines(Path.Combine(SharedData.RepoRoot, "tests/fixtures/founding/rms_sysmon.xml"))[0];
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using (var s = new StreamWriter(archive.CreateEntry("a_bad.xml").Open()))
            {
                s.Write(string.Join('\n', Enumerable.Repeat(other, 200)));
            }

            using (var s = new StreamWriter(archive.CreateEntry("b_good.xml").Open()))
            {
                s.Write(string.Join('\n', FixtureLines));
            }
        }

        var bytes = File.ReadAllBytes(zip);
        var dataStart = 30 + "a_bad.xml".Length;
        for (var i = dataStart + 20; i < dataStart + 60; i++)
        {
            bytes[i] ^= 0x5A;
        }

        File.WriteAllBytes(zip, bytes);
        return zip;
    }

    [Fact]
    public void DamagedZipEntryIsReportedAndExportAndHuntGoOn()
    {
        var zip = DamagedZip();
        var export = EscudoProcess.Run("export", zip);
        Assert.Equal(0, export.ExitCode);
        Assert.Contains($"{zip}!a_bad.xml at 0: zip entry: damaged compressed data", export.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", export.Stderr, StringComparison.Ordinal);
        Assert.Equal(FixtureLines, export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => FixtureLines.Contains(l)));

        var hunt = EscudoProcess.Run("hunt", "--content", Content, "--input", zip, "--format", "json");
        Assert.Equal(0, hunt.ExitCode);
        Assert.Contains($"{zip}!a_bad.xml at 0: zip entry: damaged compressed data", hunt.Stderr, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(hunt.Stdout);
        Assert.True(summary.RootElement.GetProperty("events").GetInt32() >= FixtureLines.Length);
        Assert.Contains(summary.RootElement.GetProperty("results").EnumerateArray(), e => e.GetProperty("detection").GetString() == "Detect Regasm with Network Connection");
    }

    [Fact]
    public void AnAbsurdTimeInOneEventLeavesTimeFormattingWorkingForAll()
    {
        var bad = Path.Combine(_dir, "bad-time.json");
        File.WriteAllText(bad, JsonSerializer.Serialize(new { time = 1e300, sourcetype = "XmlWinEventLog", @event = FixtureLines[0] }) + "\n");
        var r = EscudoProcess.Run("search", "EventCode=3 | stats min(_time) as firstTime count by EventCode | convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime(firstTime)", "--input", bad, "--input", Fixture, "--format", "json");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("bad-time.json at 1: event time: event 1: time 1E+300 is not between 1970-01-01 and 9999-12-31", r.Stderr, StringComparison.Ordinal);
        using var rows = JsonDocument.Parse(r.Stdout);
        var row = Assert.Single(rows.RootElement.EnumerateArray());
        var code3 = FixtureLines.Count(l => l.Contains("<EventID>3</EventID>", StringComparison.Ordinal));
        Assert.Equal((code3 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), row.GetProperty("count").GetString());
        Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T", row.GetProperty("firstTime").GetString());
    }

    [Fact]
    public void SysmonRegistryEventTypeFromJsonGivesTheRegistryAction()
    {
        // Issue 16's reproduction: the JSON line and the same event as XmlWinEventLog give the same row.
        var json = Path.Combine(_dir, "s12.json");
        File.WriteAllText(json, "{\"EventID\":12,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Hostname\":\"WS5\",\"TimeCreated\":\"2020-10-21 12:19:09.136\",\"EventType\":\"DeleteKey\",\"Image\":\"C:\\\\windows\\\\system32\\\\svchost.exe\",\"TargetObject\":\"HKLM\\\\System\\\\CurrentControlSet\\\\Services\\\\Foo\"}\n");
        var xml = Path.Combine(_dir, "s12.xml");
        File.WriteAllText(xml, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>12</EventID><TimeCreated SystemTime='2020-10-21T12:19:09.136Z'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS5</Computer></System><EventData><Data Name='EventType'>DeleteKey</Data><Data Name='Image'>C:\\windows\\system32\\svchost.exe</Data><Data Name='TargetObject'>HKLM\\System\\CurrentControlSet\\Services\\Foo</Data></EventData></Event>\n");
        const string Search = "| tstats count from datamodel=Endpoint.Registry where Registry.action=deleted by Registry.registry_path";
        var fromJson = EscudoProcess.Run("search", Search, "--input", json, "--format", "json");
        var fromXml = EscudoProcess.Run("search", Search, "--input", xml, "--format", "json");
        Assert.Equal(0, fromJson.ExitCode);
        Assert.Equal("[{\"Registry.registry_path\":\"HKLM\\\\System\\\\CurrentControlSet\\\\Services\\\\Foo\",\"count\":\"1\"}]", fromJson.Stdout.Trim());
        Assert.Equal(fromXml.Stdout, fromJson.Stdout);
    }
}
