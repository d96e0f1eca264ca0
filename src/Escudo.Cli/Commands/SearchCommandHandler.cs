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
    public static int Run(string spl, IReadOnlyList<string> inputs, string? contentDir, IReadOnlyList<string> macroDirs, string? format, string? earliest, string? latest, string? now, EventReadOptions options, InputFlags? flags = null, SearchLimitOptions? limits = null)
    {
        return Run(spl, inputs, contentDir, macroDirs, format, earliest, latest, now, options, flags, limits ?? new SearchLimitOptions(), CancellationToken.None);
    }

    internal static int Run(string spl, IReadOnlyList<string> inputs, string? contentDir, IReadOnlyList<string> macroDirs, string? format, string? earliest, string? latest, string? now, EventReadOptions options, InputFlags? flags, SearchLimitOptions limits, CancellationToken cancellation)
    {
        if (limits.Problem() is { } problem)
        {
            Console.Error.WriteLine($"escudo: {problem}");
            return 1;
        }

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
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var ctx = new SearchContext
        {
            Now = nowEpoch,
            TimeRange = new TimeRange(e, l),
            Events = store,
            DataModels = store,
            Lookups = lookups,
            Macros = macros,
            Warnings = d => Console.Error.WriteLine($"escudo: warning: {d.Code}: {d.Message}"),
            MaxRowsInMemory = limits.MaxRowsInMemory ?? SearchLimitOptions.DefaultMaxRowsInMemory,
            MaxBytesInMemory = limits.MaxMemoryBytes() ?? SearchContext.DefaultMaxBytesInMemory,
            RegexTimeBudget = limits.RegexBudgetSeconds is { } rb ? TimeSpan.FromSeconds(rb) : SearchContext.DefaultRegexTimeBudget,
            Cancellation = interrupt.Token,
        };
        var compiled = SplEngine.Compile(spl, ctx);
        if (!compiled.Success)
        {
            return ReportCompileError(compiled);
        }

        // While the search runs, Ctrl-C stops it through its token (every operator loop checks
        // it) and the command ends with a message and exit 1 instead of dying mid-write.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        List<Core.Events.Row> rows;
        Console.CancelKeyPress += onCancel;
        try
        {
            // The results are held until they are written: they count against the memory limits too.
            rows = ctx.Budget.Collect(compiled.Search!.Run(), "the search's results");
        }
        catch (SearchLimitException ex)
        {
            Console.Error.WriteLine($"escudo: search stopped: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            Console.Error.WriteLine("escudo: search cancelled (interrupted); no results were written");
            return 1;
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            // A value or argument the engine could not handle at run time: a message, not a crash.
            Console.Error.WriteLine($"escudo: search failed: {ex.Message} ({ex.GetType().Name})");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
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
