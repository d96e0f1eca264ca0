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

    public CancellationToken Cancellation { get; init; }

    public void Warn(string code, string message) =>
        Warnings?.Invoke(new Diagnostic(code, Severity.Warning, default, message));
}
