using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Spl.Macros;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// map: runs the search once per input row (at most maxsearches), with $field$ tokens filled from
/// the row. Each search is expanded and parsed here and planned by <paramref name="plan"/> (the
/// planner's, handed down so execution does not depend on planning). When the events come from a
/// source that is costly to scan again (a hunt's kept events, read back from disk), every row's
/// search is planned first and their leading scans are answered from one read.
/// </summary>
internal sealed class MapOperator(MapCommand m, SearchContext context, Func<Pipeline, string, CompiledSearch> plan) : Operator
{
    /// <summary>
    /// Rows the scans of one read may hold for all the searches together (about 100 MB of events);
    /// past it, each search scans for itself, as it would without the shared read.
    /// </summary>
    internal const long SharedScanRows = 100_000;

    private readonly string[] _tokens = System.Text.RegularExpressions.Regex.Matches(m.Search, @"\$([^$\s]+)\$").Select(x => x.Groups[1].Value).Distinct().ToArray();

    public override string Describe() => "map";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        if (context.Events is not IMultiScanSource source)
        {
            foreach (var r in input.Take(m.MaxSearches))
            {
                if (Plan(r) is { } search)
                {
                    foreach (var result in search.Run())
                    {
                        yield return result;
                    }
                }
            }

            yield break;
        }

        var searches = input.Take(m.MaxSearches).Select(Plan).ToList();
        foreach (var search in SharedScan(source, searches))
        {
            if (search is null)
            {
                continue;
            }

            foreach (var result in search.Run())
            {
                yield return result;
            }
        }
    }

    /// <summary>The search for one input row, planned; null (and a warning) when it does not parse.</summary>
    private CompiledSearch? Plan(Row r)
    {
        var text = m.Search;
        foreach (var tok in _tokens)
        {
            text = text.Replace("$" + tok + "$", r.Get(tok).FirstString() ?? string.Empty, StringComparison.Ordinal);
        }

        var expanded = context.Macros is null ? text : new MacroExpander(context.Macros).Expand(text).Text ?? text;
        var parsed = Parser.Parse(expanded);
        if (!parsed.Success)
        {
            context.Warn("SPL2003", $"map: search for one row does not parse: {parsed.Diagnostic.Message}");
            return null;
        }

        return plan(parsed.Value, expanded);
    }

    /// <summary>
    /// The searches whose leading scan reads <paramref name="source"/>, each given its rows from one
    /// read of it; the others, and all of them when the rows would be too many, as planned.
    /// </summary>
    private List<CompiledSearch?> SharedScan(IMultiScanSource source, List<CompiledSearch?> searches)
    {
        var scanning = searches
            .Select((s, i) => (Index: i, Scan: s?.Operators.Count > 0 ? s.Operators[0] as ScanOperator : null))
            .Where(x => x.Scan is not null && ReferenceEquals(x.Scan.Source, source))
            .ToList();
        if (scanning.Count < 2)
        {
            return searches;
        }

        var rows = source.ScanEach([.. scanning.Select(x => x.Scan!.Request)], Math.Min(SharedScanRows, context.MaxRowsInMemory));
        if (rows is null)
        {
            return searches;
        }

        for (var k = 0; k < scanning.Count; k++)
        {
            var search = searches[scanning[k].Index]!;
            searches[scanning[k].Index] = new CompiledSearch(search.Text, [scanning[k].Scan!.Over(rows[k]), .. search.Operators.Skip(1)], search.Context) { Syntax = search.Syntax };
        }

        return searches;
    }
}
