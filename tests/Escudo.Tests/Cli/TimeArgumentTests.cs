using System.Text.Json;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>
/// `@d`, `@h`, `@m` are Splunk time modifiers (snap to the start of the day, hour, minute); the
/// command line must hand them to the option as text, not read them as response files (issue 14).
/// </summary>
public class TimeArgumentTests
{
    // The nine fixture events are at 2024-03-04 10:00:05 .. 10:01:36 UTC (epoch 1709546405 .. 1709546496).
    private static string RegasmEvents => Path.Combine(SharedData.RepoRoot, "tests", "fixtures", "founding", "regasm_sysmon.xml");

    private static string Founding => Path.Combine(SharedData.RepoRoot, "tests", "detection-tests", "content");

    private static int Count(EscudoProcess.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        return int.Parse(doc.RootElement[0].GetProperty("count").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void SearchEarliestAtDaySnapsToTheStartOfTheDay()
    {
        // now = 2024-03-04 10:01:10: @d is 2024-03-04 00:00, so every event is on or after it.
        var r = EscudoProcess.Run("search", "index=* | stats count", "--input", RegasmEvents, "--earliest", "@d", "--now", "1709546470", "--format", "json");
        Assert.Equal(9, Count(r));
        Assert.DoesNotContain("Response file", r.Stderr, StringComparison.Ordinal);

        // now = 2024-03-05 00:00:30: @d is 2024-03-05 00:00, after every event.
        r = EscudoProcess.Run("search", "index=* | stats count", "--input", RegasmEvents, "--earliest", "@d", "--now", "1709596830", "--format", "json");
        Assert.Equal(0, Count(r));
    }

    [Fact]
    public void SearchLatestAtMinuteAndAtHourSnapDown()
    {
        // now = 10:01:10: @m is 10:01:00, so only the event at 10:00:05 is before it; @h is 10:00:00, before all.
        var r = EscudoProcess.Run("search", "index=* | stats count", "--input", RegasmEvents, "--earliest", "@d", "--latest", "@m", "--now", "1709546470", "--format", "json");
        Assert.Equal(1, Count(r));
        r = EscudoProcess.Run("search", "index=* | stats count", "--input", RegasmEvents, "--latest", "@h", "--now", "1709546470", "--format", "json");
        Assert.Equal(0, Count(r));
    }

    [Fact]
    public void HuntNowGivenAsAModifierIsRefusedByNameNotReadAsAFile()
    {
        // hunt's --now is epoch seconds (the contract); `@d` reaches it and is refused with its value.
        var r = EscudoProcess.Run("hunt", "--content", Founding, "--input", RegasmEvents, "--now", "@d");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--now `@d` is not epoch seconds", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Response file", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAtArgumentIsNeverExpandedFromAFile()
    {
        // A file named like the argument sits in the working folder: it must not be read.
        var dir = Directory.CreateTempSubdirectory("escudo-at-").FullName;
        File.WriteAllText(Path.Combine(dir, "h"), "--format\ncsv\n");
        var r = EscudoProcess.RunIn(dir, "search", "| makeresults | eval x=\"a\"", "--earliest", "@h", "--now", "1709546470", "--format", "json");
        Directory.Delete(dir, recursive: true);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("[", r.Stdout, StringComparison.Ordinal);
    }
}
