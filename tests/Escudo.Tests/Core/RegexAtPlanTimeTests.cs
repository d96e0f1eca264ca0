using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Detections.Output;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Functions.Eval;

namespace Escudo.Tests.Core;

/// <summary>
/// Regexes are built once per distinct pattern for all searches: <c>rex</c>/<c>regex</c> patterns
/// through the cache <see cref="SplRegex.Create"/> keeps, and the literal pattern of
/// <c>match</c>/<c>replace</c>/<c>mvfind</c> when the search is planned, not when the first event
/// reaches it. The results and the message for a bad pattern must stay what they were.
/// </summary>
public class RegexAtPlanTimeTests
{
    [Fact]
    public void The_same_pattern_and_options_give_the_same_regex_and_other_options_another()
    {
        var pattern = "shared-" + Guid.NewGuid().ToString("N") + "[0-9]+";
        var first = SplRegex.Create(pattern);
        Assert.Same(first, SplRegex.Create(pattern));
        var ignoreCase = SplRegex.Create(pattern, RegexOptions.IgnoreCase);
        Assert.NotSame(first, ignoreCase);
        Assert.True((ignoreCase.Options & RegexOptions.IgnoreCase) != 0);
        Assert.True((first.Options & RegexOptions.NonBacktracking) != 0, "a plain pattern still runs on the non-backtracking engine");

        // A backreference needs the backtracking engine, with its timeout, as before.
        var backtracking = SplRegex.Create(@"(a)\1-" + Guid.NewGuid().ToString("N"));
        Assert.True(SplRegex.Backtracks(backtracking));
        Assert.Equal(SplRegex.Timeout, backtracking.MatchTimeout);
    }

    [Fact]
    public void A_bad_pattern_throws_every_time_and_is_not_kept()
    {
        var bad = "([" + Guid.NewGuid().ToString("N");
        var first = Assert.ThrowsAny<ArgumentException>(() => SplRegex.Create(bad));
        var second = Assert.ThrowsAny<ArgumentException>(() => SplRegex.Create(bad));
        Assert.Equal(first.Message, second.Message);
    }

    [Theory]
    [InlineData("match")]
    [InlineData("replace")]
    [InlineData("mvfind")]
    public void A_literal_pattern_is_built_when_the_search_is_planned(string function)
    {
        var pattern = "plan-" + Guid.NewGuid().ToString("N") + "[a-z]*";
        var call = function == "replace" ? $"replace(\"x\", \"{pattern}\", \"y\")" : $"{function}(\"x\", \"{pattern}\")";
        Assert.False(FunctionCatalog.HasRegex(pattern));

        var compiled = SplEngine.Compile($"| makeresults | eval m={call}", new SearchContext());

        Assert.True(compiled.Success, compiled.Diagnostic?.Message);
        Assert.True(FunctionCatalog.HasRegex(pattern), "the regex was not built at plan time");
    }

    [Fact]
    public void Results_are_those_of_the_pattern()
    {
        var id = Guid.NewGuid().ToString("N");
        var search = $"| makeresults | eval s=\"cmd.exe /c whoami {id}\" | eval yes=if(match(s, \"(?i)WHOAMI {id}$\"), 1, 0), no=if(match(s, \"^whoami{id}\"), 1, 0), r=replace(s, \"/c (\\\\w+)\", \"/k \\\\1\"), f=mvfind(split(s, \" \"), \"^who\")";
        var compiled = SplEngine.Compile(search, new SearchContext());
        Assert.True(compiled.Success, compiled.Diagnostic?.Message);

        var row = Assert.Single(compiled.Search!.Run());

        var json = ResultJson.ToJsonLine(row);
        Assert.Contains("\"yes\":\"1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"no\":\"0\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"r\":\"cmd.exe /k whoami {id}\"", json, StringComparison.Ordinal);
        Assert.Contains("\"f\":\"2\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_literal_pattern_still_plans_and_warns_when_run()
    {
        var bad = "([" + Guid.NewGuid().ToString("N");
        var warnings = new List<Diagnostic>();
        var compiled = SplEngine.Compile($"| makeresults | eval m=match(\"x\", \"{bad}\")", new SearchContext { Warnings = warnings.Add });
        Assert.True(compiled.Success, compiled.Diagnostic?.Message);

        var row = Assert.Single(compiled.Search!.Run());

        Assert.DoesNotContain("\"m\"", ResultJson.ToJsonLine(row), StringComparison.Ordinal);
        Assert.Contains(warnings, w => w.Message == $"bad regular expression `{bad}`");
    }

    [Fact]
    public void A_bad_rex_pattern_is_still_the_same_error()
    {
        var compiled = SplEngine.Compile("* | rex field=user \"(?<x>[\"", new SearchContext());

        Assert.False(compiled.Success);
        Assert.Equal("SPL0013", compiled.Diagnostic!.Code);
    }
}
