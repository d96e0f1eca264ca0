using Escudo.Core.Events;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;

namespace Escudo.Cli.Commands;

/// <summary>
/// <c>escudo new-test</c>: records a test dataset from any input — the raw text of the events a
/// search keeps, one per line (XmlWinEventLog for Windows events, as attack_data stores them) —
/// and prints the <c>attack_data</c> entry to paste into a detection's <c>tests:</c> block.
/// </summary>
internal static class NewTestCommandHandler
{
    public static int Run(IReadOnlyList<string> inputs, string? search, string output, string? url, EventReadOptions? options = null, InputFlags? flags = null)
    {
        if (!InputSet.CheckExist(inputs))
        {
            return 1;
        }

        var inputSet = new InputSet(inputs, options ?? EventReadOptions.Default, flags ?? InputFlags.Default);
        var store = CliIo.LoadStore(inputSet);
        if (inputSet.Finish() != 0)
        {
            return 1; // a dataset recorded from nothing is not a test
        }

        IEnumerable<Row> events = store.Events;
        if (search is not null)
        {
            var ctx = new SearchContext { Events = store, DataModels = store, Macros = BuiltInMacros.Instance };
            var compiled = SplEngine.Compile(search, ctx);
            if (!compiled.Success)
            {
                return SearchCommandHandler.ReportCompileError(compiled);
            }

            if (!Spl.Facts.SearchFacts.IsPlainFilter(compiled))
            {
                Console.Error.WriteLine("escudo: --search must be a plain filter (no pipes): it selects which events go into the dataset");
                return 2;
            }

            events = compiled.Search!.Run();
        }

        // The events are in memory already; listing them first means an empty dataset is never written.
        var selected = events.ToList();
        if (selected.Count == 0)
        {
            Console.Error.WriteLine(search is null
                ? $"escudo: no events read from {string.Join(", ", inputs)}: nothing written to {output}"
                : $"escudo: no event matches --search `{search}` among the {store.Events.Count} read: nothing written to {output}");
            return 1;
        }

        var count = 0;
        var sources = new HashSet<string>(StringComparer.Ordinal);
        using (var w = new StreamWriter(output))
        {
            foreach (var e in selected)
            {
                var raw = e.Get(FieldTable.Raw).ToDisplayString().Replace("\r", string.Empty, StringComparison.Ordinal).Replace('\n', ' ');
                w.WriteLine(raw);
                sources.Add(e.Get(FieldTable.Source).ToDisplayString());
                count++;
            }
        }

        Console.Error.WriteLine($"escudo: wrote {count} events to {output}");
        var source = sources.Count == 1 ? sources.First() : "XmlWinEventLog:<channel>";
        Console.WriteLine("tests:");
        Console.WriteLine("- name: True Positive Test");
        Console.WriteLine("  attack_data:");
        Console.WriteLine($"  - data: {url ?? "https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/" + Path.GetFileName(output)}");
        Console.WriteLine($"    source: {source}");
        Console.WriteLine("    sourcetype: XmlWinEventLog");
        return 0;
    }
}
