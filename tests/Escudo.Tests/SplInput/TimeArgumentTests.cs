using Escudo.Tests.Support;

namespace Escudo.Tests.SplInput;

/// <summary>
/// --now, --earliest and --latest values Escudo cannot use end the run with exit 1 and a message
/// naming the option and the value: before, `--now abc` silently used the clock (a "reproducible"
/// run that was not) and `--now 1e300` or `--earliest -99999999999y` crashed with a stack trace.
/// </summary>
public class TimeArgumentTests
{
    [Theory]
    [InlineData("--now", "abc", "escudo: --now `abc` is not epoch seconds (a number such as 1700000000)")]
    [InlineData("--now", "1e300", "escudo: --now 1e300 is outside the years 1 to 9999")]
    [InlineData("--now", "NaN", "escudo: --now `NaN` is not epoch seconds")]
    [InlineData("--earliest", "-99999999999y", "escudo: --earliest `-99999999999y` is not a time modifier Escudo can resolve")]
    [InlineData("--latest", "+9000y", "escudo: --latest `+9000y` is not a time modifier Escudo can resolve")]
    [InlineData("--earliest", "-5fortnights", "escudo: --earliest `-5fortnights` is not a time modifier Escudo can resolve")]
    public void AnUnusableTimeValueIsExitOneNamingIt(string option, string value, string message)
    {
        var args = new List<string> { "search", "| makeresults | eval x=strftime(now(), \"%Y\")", "--format", "json", option, value };
        if (option != "--now")
        {
            args.AddRange(["--now", "1700000000"]);
        }

        var r = EscudoProcess.Run([.. args]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith(message, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Stdout);
    }

    [Fact]
    public void AUsableNowFixesTheTime()
    {
        var r = EscudoProcess.Run("search", "| makeresults | eval x=strftime(now(), \"%Y-%m-%d\"), y=strftime(1e300, \"%Y\")", "--now", "1700000000", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("""[{"_time":"1700000000","x":"2023-11-14"}]""", r.Stdout.Trim());
    }
}
