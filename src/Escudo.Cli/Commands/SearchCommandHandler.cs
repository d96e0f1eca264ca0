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

        if (!TryLoadContent(contentDir, macroDirs, out var macros, out var lookups))
        {
            return 1;
        }

        if (!TimeArguments.TryResolve("--earliest", earliest, nowEpoch, out var e, out var timeError)
            || !TimeArguments.TryResolve("--latest", latest, nowEpoch, out var l, out timeError))
        {
            Console.Error.WriteLine(timeError);
            return 1;
        }

        // Expand and parse before reading any input: a bad search fails fast. It is planned once,
        // below, when the events are loaded (its subsearches run at plan time and read them).
        var parsed = SplEngine.Parse(spl, macros);
        if (!parsed.Success)
        {
            return ReportCompileError(SplEngine.Plan(parsed, new SearchContext { Now = nowEpoch, Macros = macros }));
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
        var compiled = SplEngine.Plan(parsed, ctx);
        if (!compiled.Success)
        {
            return ReportCompileError(compiled);
        }

        if (RunToEnd(compiled, ctx, interrupt) is not { } rows)
        {
            return 1;
        }

        ResultWriter.Write(rows, format ?? (CliIo.IsTerminal ? "table" : "json"), Console.Out);
        return inputStatus;
    }

    /// <summary>The content folder's macros and lookups, or, without one, the --macros folders over the built-ins; false (reported) when the folder cannot be read.</summary>
    private static bool TryLoadContent(string? contentDir, IReadOnlyList<string> macroDirs, out IMacroSource macros, out ILookupSource? lookups)
    {
        lookups = null;
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
                macros = BuiltInMacros.Instance;
                return false;
            }

            macros = content.Macros;
            lookups = content.Lookups;
            return true;
        }

        var layers = new List<IMacroSource>();
        foreach (var dir in macroDirs)
        {
            var m = new DictionaryMacroSource();
            ContentFolder.LoadMacros(dir, m, []);
            layers.Add(m);
        }

        layers.Add(BuiltInMacros.Instance);
        macros = new LayeredMacroSource(layers);
        return true;
    }

    /// <summary>Runs the search and holds its rows; null (reported) when it stops, is interrupted or fails.</summary>
    private static List<Core.Events.Row>? RunToEnd(CompileResult compiled, SearchContext ctx, CancellationTokenSource interrupt)
    {
        // While the search runs, Ctrl-C stops it through its token (every operator loop checks
        // it) and the command ends with a message and exit 1 instead of dying mid-write.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            // The results are held until they are written: they count against the memory limits too.
            return ctx.Budget.Collect(compiled.Search!.Run(), "the search's results");
        }
        catch (SearchLimitException ex)
        {
            Console.Error.WriteLine($"escudo: search stopped: {ex.Message}");
            return null;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            Console.Error.WriteLine("escudo: search cancelled (interrupted); no results were written");
            return null;
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            // A value or argument the engine could not handle at run time: a message, not a crash.
            Console.Error.WriteLine($"escudo: search failed: {ex.Message} ({ex.GetType().Name})");
            return null;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static int ReportCompileError(CompileResult result)
    {
        var diag = result.Diagnostic!;
        Console.Error.WriteLine(diag.FormatWithCaret(result.Text));
        // Syntax errors and unknown names exit 2; problems that are not about the text exit 1.
        return diag.Severity == Severity.Error ? 2 : 1;
    }
}
