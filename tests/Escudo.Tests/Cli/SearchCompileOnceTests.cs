using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>
/// <c>escudo search</c> expands and parses the search once, before reading any input, and plans it
/// once, over the loaded events (issue 17: it used to compile twice, once without the events to
/// fail fast and once with them for its subsearches).
/// </summary>
public sealed class SearchCompileOnceTests
{
    private static readonly string Regasm = Path.Combine(SharedData.RepoRoot, "tests", "fixtures", "founding", "regasm_sysmon.xml");

    /// <summary>A macro source that counts the look-ups, to show how often a search is expanded.</summary>
    private sealed class CountingMacros : IMacroSource
    {
        public int Lookups { get; private set; }

        public MacroDefinition? Find(string name, int arity)
        {
            Lookups++;
            return BuiltInMacros.Instance.Find(name, arity) ?? (name == "conn" && arity == 0 ? new MacroDefinition("conn", [], "EventCode=3") : null);
        }
    }

    [Fact]
    public void Parse_then_plan_expands_the_macros_once_and_plans_what_compile_plans()
    {
        var macros = new CountingMacros();
        var parsed = SplEngine.Parse("| makeresults | eval x=1 | search `conn` OR x=1", macros);
        Assert.True(parsed.Success, parsed.Diagnostic?.Message);
        Assert.Equal(1, macros.Lookups);

        var planned = SplEngine.Plan(parsed, new SearchContext { Now = 0, Macros = macros });
        Assert.True(planned.Success, planned.Diagnostic?.Message);
        Assert.Equal(1, macros.Lookups);
        Assert.Equal(SplEngine.Compile("| makeresults | eval x=1 | search `conn` OR x=1", new SearchContext { Now = 0, Macros = new CountingMacros() }).ExpandedText, planned.ExpandedText);
        Assert.Single(planned.Search!.Run());
    }

    [Fact]
    public void A_parse_error_comes_back_from_plan_with_the_text_as_written()
    {
        var parsed = SplEngine.Parse("search (a", null);
        Assert.False(parsed.Success);
        var result = SplEngine.Plan(parsed, new SearchContext { Now = 0 });
        Assert.False(result.Success);
        Assert.Equal("search (a", result.Text);
        Assert.Same(parsed.Diagnostic, result.Diagnostic);
    }

    [Fact]
    public void A_search_that_does_not_parse_exits_2_before_any_input_is_read()
    {
        // The input does not exist: had it been looked at first, the exit would be 1 naming it.
        var r = EscudoProcess.Run("search", "search (EventCode=3", "--input", "/nonexistent/escudo-input.xml", "--format", "json");

        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("escudo-input.xml", r.Stderr);
    }

    [Fact]
    public void A_subsearch_planned_once_reads_the_loaded_events()
    {
        // regasm_sysmon.xml holds one Sysmon event 1 and eight events 3: the subsearch's row
        // (EventCode=3) becomes the outer search's condition.
        var r = EscudoProcess.Run("search", "search [search EventCode=3 | head 1 | fields EventCode] | stats count", "--input", Regasm, "--format", "json");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("[{\"count\":\"8\"}]", r.Stdout.Trim());
    }
}
