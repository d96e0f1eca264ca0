using Escudo.Core.Diagnostics;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Spl.Macros;

namespace Escudo.Spl.Execution;

/// <summary>Everything a running search may consult: time, events, data models, lookups, macros, and where to report problems.</summary>
public sealed class SearchContext
{
    public double Now { get; init; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public TimeRange TimeRange { get; init; } = TimeRange.All;

    public IEventSource Events { get; init; } = MemoryEventSource.Empty;

    public IDataModelSource? DataModels { get; init; }

    public ILookupSource? Lookups { get; init; }

    public IMacroSource? Macros { get; init; }

    /// <summary>Runtime problems in single rows (a bad regex value, a failed conversion): reported, never fatal.</summary>
    public Action<Diagnostic>? Warnings { get; init; }

    /// <summary>Maximum number of rows a blocking command may hold before the search fails clearly.</summary>
    public long MaxRowsInMemory { get; init; } = 50_000_000;

    /// <summary>Maximum estimated bytes of rows the blocking commands of one search may hold together.</summary>
    public long MaxBytesInMemory { get; init; } = DefaultMaxBytesInMemory;

    /// <summary>Total time one search may spend in regular expressions that need the backtracking engine.</summary>
    public TimeSpan RegexTimeBudget { get; init; } = DefaultRegexTimeBudget;

    /// <summary>Tripped by the time limit, a client that went away, or Ctrl-C; every operator loop checks it.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Half the memory this process may use (at least 1 GB): the CLI already holds its input
    /// events, and rows that share them are counted at full size, so a fixed figure would be
    /// too small on a large machine and too large on a small one.
    /// </summary>
    public static readonly long DefaultMaxBytesInMemory = Math.Max(1L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);

    public static readonly TimeSpan DefaultRegexTimeBudget = TimeSpan.FromSeconds(60);

    private SearchBudget? _budget;

    /// <summary>What this search has spent against the limits above (one per context, shared by its subsearches).</summary>
    public SearchBudget Budget => LazyInitializer.EnsureInitialized(ref _budget, () => new SearchBudget(this));

    public void Warn(string code, string message) =>
        Warnings?.Invoke(new Diagnostic(code, Severity.Warning, default, message));
}
