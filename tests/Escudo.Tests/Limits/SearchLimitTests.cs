using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;
using Escudo.Spl;
using Escudo.Spl.Execution;

namespace Escudo.Tests.Limits;

/// <summary>
/// Every search runs under one budget: cancellation checked in every operator loop, rows and
/// bytes held by blocking commands, rows made by generators, and a total time for backtracking
/// regular expressions. Each test sets a tiny limit and asserts the outcome and its message.
/// </summary>
public sealed class SearchLimitTests
{
    /// <summary>Events made on demand, counting how many the search asked for.</summary>
    private sealed class CountingSource(int count, Action<long>? onRow = null) : IEventSource
    {
        public long Read;

        public bool AppliesFilters => false;

        public IEnumerable<Row> Scan(ScanRequest request)
        {
            for (var i = 0; i < count; i++)
            {
                Read++;
                onRow?.Invoke(Read);
                var r = new Row(4);
                r.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + i));
                r.Set("n", Value.FromNumber(i));
                r.Set("user", Value.FromString("user" + (i % 7)));
                yield return r;
            }
        }
    }

    private static List<Row> Run(string spl, SearchContext ctx)
    {
        var compiled = SplEngine.Compile(spl, ctx);
        Assert.True(compiled.Success, compiled.Diagnostic?.Message);
        return compiled.Search!.Run().ToList();
    }

    [Theory]
    [InlineData("search n=-1")] // the leading search's own filter drops every event
    [InlineData("search * | where n < 0")] // a filter that drops every row: the loop never yields
    [InlineData("search * | eval x = n * 2 | sort 0 - x")] // a blocking command reading its input
    [InlineData("search * | eventstats count by user | stats count")]
    [InlineData("search * | stats count by n")]
    public void A_cancelled_search_stops_inside_cpu_bound_operator_loops(string spl)
    {
        // The source never looks at the token (as a CPU-bound stage does not): only the checks
        // between and inside operators can stop the search.
        using var cts = new CancellationTokenSource();
        var source = new CountingSource(1_000_000, n =>
        {
            if (n == 1000)
            {
                cts.Cancel();
            }
        });
        var ctx = new SearchContext { Events = source, Cancellation = cts.Token };

        Assert.ThrowsAny<OperationCanceledException>(() => Run(spl, ctx));
        Assert.True(source.Read < 1000 + (4 * SearchBudget.CheckEvery), $"the search read {source.Read} events after it was cancelled at 1000");
    }

    [Fact]
    public void A_generator_stops_when_cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var ctx = new SearchContext { Cancellation = cts.Token };

        Assert.ThrowsAny<OperationCanceledException>(() => Run("| makeresults count=100000 | eval x = 1", ctx));
    }

    [Theory]
    [InlineData("| makeresults count=3 | eval s=\"aaab\" | where match(s, \"a(?=b)\")")]
    [InlineData("| makeresults count=3 | eval s=\"aaab\" | regex s=\"a(?=b)\"")]
    [InlineData("| makeresults count=3 | eval s=\"aaab\" | rex field=s \"(?<x>a)(?=b)\"")]
    [InlineData("| makeresults count=3 | eval s=\"aaab\" | rex field=s mode=sed \"s/a(?=b)/c/g\"")]
    [InlineData("| makeresults count=3 | eval s=\"aaab\" | eval t = replace(s, \"a(?=b)\", \"c\")")]
    public void A_backtracking_regex_has_a_total_time_budget_per_search(string spl)
    {
        // A lookahead needs the backtracking engine; with no time at all allowed, its first
        // match uses up the budget and the search stops with a message naming the pattern.
        var ctx = new SearchContext { RegexTimeBudget = TimeSpan.Zero };

        var e = Assert.Throws<SearchLimitException>(() => Run(spl, ctx));
        Assert.Contains("regex time budget", e.Message);
        Assert.Contains("(?=b)`", e.Message);
        Assert.Contains("--regex-budget", e.Message);
    }

    [Fact]
    public void A_linear_time_regex_is_not_charged_to_the_budget()
    {
        var ctx = new SearchContext { RegexTimeBudget = TimeSpan.Zero };

        var rows = Run("| makeresults count=3 | eval s=\"aaab\" | where match(s, \"a+b\") | rex field=s \"(?<x>a+)b\"", ctx);

        Assert.Equal(3, rows.Count);
        Assert.Equal("aaa", rows[0].Get("x").ToDisplayString());
        Assert.Equal(TimeSpan.Zero, ctx.Budget.RegexTime);
    }

    [Fact]
    public void Within_its_budget_a_backtracking_regex_still_matches()
    {
        var ctx = new SearchContext();

        var rows = Run("| makeresults count=2 | eval s=\"aaab\" | where match(s, \"a(?=b)\") | rex field=s \"(?<x>a)(?=b)\"", ctx);

        Assert.Equal(2, rows.Count);
        Assert.Equal("a", rows[0].Get("x").ToDisplayString());
        Assert.True(ctx.Budget.RegexTime > TimeSpan.Zero);
    }

    [Theory]
    [InlineData("search * | sort 0 n", "sort")]
    [InlineData("search * | eventstats count by user", "eventstats")]
    [InlineData("search * | transaction user", "transaction")]
    [InlineData("search * | reverse", "reverse")]
    [InlineData("search * | bin bins=10 n", "bin")] // without span= it sees every value before binning one
    [InlineData("search * | fillnull", "fillnull")]
    [InlineData("search * | dedup 100 user sortby -n", "dedup sortby")] // 7 combinations, up to 100 rows each held to sort
    [InlineData("search * | appendpipe [ stats count ]", "appendpipe")]
    [InlineData("| makeresults | join type=left n [ search * ]", "join subsearch")]
    public void A_blocking_command_past_the_row_limit_stops_the_search_naming_the_limit(string spl, string command)
    {
        var ctx = new SearchContext { Events = new CountingSource(500), MaxRowsInMemory = 100 };

        var e = Assert.Throws<SearchLimitException>(() => Run(spl, ctx));
        Assert.StartsWith(command + " would hold more than 100 rows", e.Message);
        Assert.Contains("max rows in memory", e.Message);
        Assert.Contains("--max-rows-in-memory", e.Message);
    }

    [Theory]
    [InlineData("search * | tail 1000", "tail")] // tail keeps its last N rows: N past the limit is bounded
    [InlineData("search * | dedup n", "dedup")] // every combination seen is kept to the end
    [InlineData("search * | top limit=0 n", "top")]
    [InlineData("search * | rare n", "rare")]
    [InlineData("search * | timechart span=1s count", "timechart")] // one cell a bucket
    public void A_command_keeping_its_own_entries_past_the_row_limit_stops_the_search(string spl, string command)
    {
        var ctx = new SearchContext { Events = new CountingSource(500), MaxRowsInMemory = 100 };

        var e = Assert.Throws<SearchLimitException>(() => Run(spl, ctx));
        Assert.StartsWith(command + " would hold more than 100 rows", e.Message);
        Assert.Contains("--max-rows-in-memory", e.Message);
    }

    [Theory]
    [InlineData("search * | streamstats count by n")]
    [InlineData("search * | streamstats window=2 global=f count by n")] // one window a group
    public void Streamstats_past_the_row_limit_in_by_groups_stops_the_search(string spl)
    {
        var ctx = new SearchContext { Events = new CountingSource(500), MaxRowsInMemory = 100 };

        var e = Assert.Throws<SearchLimitException>(() => Run(spl, ctx));
        Assert.StartsWith("streamstats would hold more than 100 by-groups", e.Message);
        Assert.Contains("--max-rows-in-memory", e.Message);
    }

    [Theory]
    [InlineData("search * | tail 100", 100)]
    [InlineData("search * | dedup user", 7)]
    [InlineData("search * | top limit=0 user", 7)]
    [InlineData("search * | streamstats count by user", 500)]
    [InlineData("search * | timechart span=1h count", 1)]
    public void Under_the_row_limit_those_commands_give_every_row(string spl, int rows)
    {
        var ctx = new SearchContext { Events = new CountingSource(500), MaxRowsInMemory = 100 };

        Assert.Equal(rows, Run(spl, ctx).Count);
    }

    [Fact]
    public void A_blocking_command_past_the_byte_limit_stops_the_search_naming_the_limit()
    {
        var ctx = new SearchContext { Events = new CountingSource(500), MaxBytesInMemory = 64 * 1024 };

        var e = Assert.Throws<SearchLimitException>(() => Run("search * | sort 0 - n", ctx));
        Assert.StartsWith("sort would hold more than 0.1 MB of rows in memory", e.Message);
        Assert.Contains("--max-memory", e.Message);
    }

    [Fact]
    public void Under_the_limits_blocking_commands_give_every_row_and_give_the_budget_back()
    {
        var ctx = new SearchContext { Events = new CountingSource(500), MaxRowsInMemory = 600 };

        var rows = Run("search * | sort 0 - n | eventstats count by user", ctx);

        Assert.Equal(500, rows.Count);
        Assert.Equal("499", rows[0].Get("n").ToDisplayString());
        Assert.Equal(0, ctx.Budget.RowsHeld);
        Assert.Equal(0, ctx.Budget.BytesHeld);
    }

    [Fact]
    public void A_generator_past_the_row_limit_stops_the_search()
    {
        var ctx = new SearchContext { MaxRowsInMemory = 100 };

        var e = Assert.Throws<SearchLimitException>(() => Run("| makeresults count=1000 | stats count", ctx));
        Assert.StartsWith("makeresults count=1000 generated more than 100 rows", e.Message);

        Assert.Equal("100", Run("| makeresults count=100 | stats count", new SearchContext { MaxRowsInMemory = 100 })[0].Get("count").ToDisplayString());
    }

    [Fact]
    public void A_join_subsearch_over_maxout_is_truncated_with_a_warning()
    {
        // Splunk's join: "subsearch_maxout = 50000" in limits.conf [join]; past it the subsearch
        // results are truncated and the search says so.
        var warnings = new List<Diagnostic>();
        var ctx = new SearchContext { Warnings = warnings.Add };

        var rows = Run("| makeresults | eval k=1 | join type=left k [| makeresults count=50005 | eval k=1, v=2 ] | stats count", ctx);

        Assert.Equal("1", rows[0].Get("count").ToDisplayString());
        Assert.Contains(warnings, w => w.Message == "join subsearch produced more than 50000 results, truncating to maxout 50000");
    }

    [Fact]
    public void Row_size_estimate_grows_with_the_text_held()
    {
        var small = new Row();
        small.Set("a", Value.FromString("x"));
        var large = new Row();
        large.Set("a", Value.FromString(new string('x', 10_000)));
        large.Set("b", Value.FromMulti(["one", "two"]));

        Assert.True(SearchBudget.EstimateBytes(large) > SearchBudget.EstimateBytes(small) + 20_000);
    }
}
