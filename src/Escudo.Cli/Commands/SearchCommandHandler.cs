using System.Globalization;
using Escudo.Core.Diagnostics;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;

namespace Escudo.Cli.Commands;

/// <summary><c>escudo search "&lt;SPL&gt;"</c>: exit 0 on success, 2 when the search does not parse or names something unknown, 1 otherwise.</summary>
internal static class SearchCommandHandler
{
    public static int Run(string spl, IReadOnlyList<string> inputs, string? contentDir, IReadOnlyList<string> macroDirs, string? format, string? earliest, string? latest, string? now, EventReadOptions options, InputFlags? flags = null)
    {
        if (!TimeArguments.TryParseNow(now, out var nowEpoch, out var nowError))
        {
            Console.Error.WriteLine(nowError);
            return 1;
        }

        IMacroSource macros;
        ILookupSource? lookups = null;
        if (contentDir is not null)
        {
            ContentFolder content;
            try
            {
                content = ContentFolder.Load(contentDir, macroDirs);
            }
            catch (DirectoryNotFoundException ex)
            {
                Console.Error.WriteLine($"escudo: {ex.Message}");
                return 1;
            }

            macros = content.Macros;
            lookups = content.Lookups;
        }
        else
        {
            var layers = new List<IMacroSource>();
            foreach (var dir in macroDirs)
            {
                var m = new DictionaryMacroSource();
                ContentFolder.LoadMacros(dir, m, []);
                layers.Add(m);
            }

            layers.Add(BuiltInMacros.Instance);
            macros = new LayeredMacroSource(layers);
        }

        if (!TimeArguments.TryResolve("--earliest", earliest, nowEpoch, out var e, out var timeError)
            || !TimeArguments.TryResolve("--latest", latest, nowEpoch, out var l, out timeError))
        {
            Console.Error.WriteLine(timeError);
            return 1;
        }

        // Parse before reading any input: a bad search fails fast.
        var probe = SplEngine.Compile(spl, new SearchContext { Now = nowEpoch, Macros = macros, Lookups = lookups });
        if (!probe.Success)
        {
            return ReportCompileError(probe);
        }

        if (!InputSet.CheckExist(inputs))
        {
            return 1;
        }

        var inputSet = new InputSet(inputs, options, flags ?? InputFlags.Default);
        var store = inputs.Count > 0 ? CliIo.LoadStore(inputSet) : new MemoryStore([]);
        var inputStatus = inputs.Count > 0 ? inputSet.Finish() : 0;
        var ctx = new SearchContext
        {
            Now = nowEpoch,
            TimeRange = new TimeRange(e, l),
            Events = store,
            DataModels = store,
            Lookups = lookups,
            Macros = macros,
            Warnings = d => Console.Error.WriteLine($"escudo: warning: {d.Code}: {d.Message}"),
        };
        var compiled = SplEngine.Compile(spl, ctx);
        if (!compiled.Success)
        {
            return ReportCompileError(compiled);
        }

        List<Core.Events.Row> rows;
        try
        {
            rows = compiled.Search!.Run().ToList();
        }
        catch (SearchLimitException ex)
        {
            Console.Error.WriteLine($"escudo: search stopped: {ex.Message}");
            return 1;
        }

        ResultWriter.Write(rows, format ?? (CliIo.IsTerminal ? "table" : "json"), Console.Out);
        return inputStatus;
    }

    public static int ReportCompileError(CompileResult result)
    {
        var diag = result.Diagnostic!;
        Console.Error.WriteLine(diag.FormatWithCaret(result.Text));
        // Syntax errors and unknown names exit 2; problems that are not about the text exit 1.
        return diag.Severity == Severity.Error ? 2 : 1;
    }
}
