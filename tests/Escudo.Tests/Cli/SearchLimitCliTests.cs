using Escudo.Cli.Commands;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary><c>escudo search</c> under its limits: each one configurable, each stop a message and exit 1.</summary>
public sealed class SearchLimitCliTests
{
    [Fact]
    public void A_search_past_the_row_limit_exits_1_naming_the_limit_and_the_option()
    {
        var r = EscudoProcess.Run("search", "| makeresults count=300 | sort 0 - _time", "--format", "json", "--max-rows-in-memory", "200");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("search stopped: makeresults count=300 generated more than 200 rows", r.Stderr);
        Assert.Contains("--max-rows-in-memory", r.Stderr);
        Assert.Equal(string.Empty, r.Stdout);
    }

    [Fact]
    public void The_results_held_for_printing_count_against_the_memory_limit()
    {
        var r = EscudoProcess.Run("search", "| makeresults count=2000 | eval pad = \"0123456789012345678901234567890123456789\"", "--format", "json", "--max-memory", "64KB");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the search's results would hold more than 0.1 MB of rows in memory", r.Stderr);
    }

    [Fact]
    public void A_backtracking_regex_past_the_budget_exits_1()
    {
        var r = EscudoProcess.Run("search", "| makeresults count=3 | eval s=\"aaab\" | where match(s, \"a(?=b)\")", "--format", "json", "--regex-budget", "0");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("regex time budget of 0 s", r.Stderr);
    }

    [Theory]
    [InlineData("--max-memory", "lots", "--max-memory 'lots' is not a size")]
    [InlineData("--max-rows-in-memory", "0", "--max-rows-in-memory must be a positive number")]
    [InlineData("--regex-budget", "-1", "--regex-budget must be a number of seconds")]
    public void Bad_limit_options_exit_1_with_a_message(string option, string value, string message)
    {
        var r = EscudoProcess.Run("search", "| makeresults", "--format", "json", option, value);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public void Within_the_limits_the_search_answers()
    {
        var r = EscudoProcess.Run("search", "| makeresults count=300 | stats count", "--format", "json", "--max-rows-in-memory", "300", "--max-memory", "1GB", "--regex-budget", "5");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("[{\"count\":\"300\"}]", r.Stdout.Trim());
    }

    [Fact]
    public void An_interrupted_search_exits_1()
    {
        // Ctrl-C cancels the token the search runs under; here it is cancelled before the run.
        using var interrupted = new CancellationTokenSource();
        interrupted.Cancel();

        var code = SearchCommandHandler.Run("| makeresults count=10", [], null, [], "json", null, null, null, new EventReadOptions(null, null), null, new SearchLimitOptions(), interrupted.Token);

        Assert.Equal(1, code);
    }
}
