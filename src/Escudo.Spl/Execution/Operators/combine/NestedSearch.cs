using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// The subsearch of a join or append: planned with the main search, run when the command needs
/// its rows. <see cref="Run"/> can be replaced, so the shared pass can feed the subsearch while it
/// reads and hand its finished results instead of reading the store again.
/// </summary>
public sealed class NestedSearch(CompiledSearch search)
{
    /// <summary>A subsearch returns at most 10,000 results (Splunk's default maxout).</summary>
    internal const int SubsearchMaxOut = 10_000;

    /// <summary>A join's subsearch returns at most 50,000 results.</summary>
    internal const int JoinMaxOut = 50_000;

    public CompiledSearch Search { get; } = search;

    public Func<IEnumerable<Row>> Run { get; set; } = search.Run;

    /// <summary>Up to <paramref name="maxOut"/> rows of a subsearch, charged to the search's budget; a warning when more were produced (the rest are dropped, as Splunk does).</summary>
    internal static List<Row> TakeMaxOut(SearchContext context, IEnumerable<Row> rows, int maxOut, string what)
    {
        var list = context.Budget.Collect(rows.Take(maxOut + 1), what);
        if (list.Count > maxOut)
        {
            list.RemoveAt(maxOut);
            context.Warn("SPL2005", $"{what} produced more than {maxOut} results, truncating to maxout {maxOut}");
        }

        return list;
    }
}
