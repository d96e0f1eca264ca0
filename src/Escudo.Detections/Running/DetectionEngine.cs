using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Store;
using Escudo.Spl;
using Escudo.Spl.Execution;

namespace Escudo.Detections.Running;

/// <summary>Compiles and runs detections of a content folder against a store of events.</summary>
public sealed class DetectionEngine(ContentFolder content)
{
    public ContentFolder Content { get; } = content;

    public SearchContext ContextFor(IStore store, double now, TimeRange? range = null, Action<Diagnostic>? warnings = null) => new()
    {
        Now = now,
        TimeRange = range ?? TimeRange.All,
        Events = store,
        DataModels = store,
        Lookups = Content.Lookups,
        Macros = Content.Macros,
        Warnings = warnings,
    };

    /// <summary>Loads, expands, parses and plans a detection without data; the reason when it cannot run.</summary>
    public string? Check(Detection d)
    {
        if (NotRunnable(d) is { } invalid)
        {
            return invalid;
        }

        var result = Compile(d, ContextFor(new MemoryStore([]), 0), out var error);
        return error ?? (result!.Success ? null : Describe(result));
    }

    /// <summary>
    /// Expands, parses and plans a detection's search; a failure of the engine on this one search
    /// (a bug, not a diagnostic) is its error in <paramref name="error"/>, so the others still run.
    /// </summary>
    public static CompileResult? Compile(Detection d, SearchContext ctx, out string? error)
    {
        error = null;
        try
        {
            return SplEngine.Compile(d.Search, ctx);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException or ThreadAbortException))
        {
            error = "internal error while compiling: " + e.GetType().Name + ": " + e.Message;
            return null;
        }
    }

    /// <summary>
    /// Why a detection cannot run whatever its SPL: it has no search. The loader never yields one,
    /// but a detection built in code can; an empty search would otherwise match every event.
    /// </summary>
    public static string? NotRunnable(Detection d) =>
        string.IsNullOrWhiteSpace(d.Search) ? "invalid detection: no `search` (an empty search would match every event)" : null;

    public static string Describe(CompileResult result) => result.Diagnostic is { } diag ? diag.Format(result.Text) : "unknown error";

    public DetectionRun Run(Detection d, IStore store, double now, TimeRange? range = null)
    {
        if (NotRunnable(d) is { } invalid)
        {
            return new DetectionRun(d, [], [], [], invalid, d.Search);
        }

        var warnings = new List<Diagnostic>();
        var ctx = ContextFor(store, now, range, warnings.Add);
        var compiled = Compile(d, ctx, out var error);
        if (compiled is null || !compiled.Success)
        {
            return new DetectionRun(d, [], [], [], error ?? Describe(compiled!), compiled?.ExpandedText ?? compiled?.Text ?? d.Search);
        }

        return Complete(d, () => compiled.Search!.Run(), compiled.Text, warnings, now);
    }

    /// <summary>
    /// Runs what is left of a compiled detection (all of it, or what follows a streamed stats) and
    /// turns its rows into notables and risk events; a failure is reported as the detection's error.
    /// </summary>
    public static DetectionRun Complete(Detection d, Func<IEnumerable<Row>> run, string expandedSearch, IReadOnlyList<Diagnostic> warnings, double now)
    {
        List<Row> rows;
        try
        {
            rows = run().ToList();
        }
        catch (SearchLimitException e)
        {
            return new DetectionRun(d, [], [], [], "search stopped: " + e.Message, expandedSearch);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException or ThreadAbortException))
        {
            // A bug in one detection's run must not stop the others: report it with the reason.
            return new DetectionRun(d, [], [], [], RunTimeError(e), expandedSearch);
        }

        var notables = rows.Select(r => AlertBuilder.Notable(d, r, now)).ToList();
        var risks = rows.SelectMany(r => AlertBuilder.Risk(d, r, now)).ToList();
        return new DetectionRun(d, rows, notables, risks, null, expandedSearch) { Warnings = warnings };
    }

    public static string RunTimeError(Exception e) => $"run-time error: {e.GetType().Name}: {e.Message}";
}

/// <summary>What one detection produced: result rows, notables, risk events, or why it could not run.</summary>
public sealed record DetectionRun(Detection Detection, List<Row> Results, List<Row> Notables, List<Row> RiskEvents, string? Error, string ExpandedSearch)
{
    public IReadOnlyList<Diagnostic> Warnings { get; init; } = [];

    public bool Fired => Results.Count > 0;

    /// <summary>Wall seconds spent finishing this detection after the pass (or running it, outside a pass).</summary>
    public double Seconds { get; init; }
}
