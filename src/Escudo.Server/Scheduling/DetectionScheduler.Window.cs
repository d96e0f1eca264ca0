using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Microsoft.Extensions.Logging;

namespace Escudo.Server.Scheduling;

/// <summary>Running one window: the search over the store, its notables and risk events, and their one commit; Run now and Backfill.</summary>
public sealed partial class DetectionScheduler
{
    /// <summary>Most windows one backfill runs; a longer range is refused with a message.</summary>
    public const int MaxBackfillWindows = 10_000;

    /// <summary>
    /// Runs one detection now over its window relative to now (the console's "Run now"), with the
    /// bookkeeping of a scheduled run: notables, risk events and ledger record in one commit. The
    /// cron schedule is not moved: the next scheduled windows run as they would have.
    /// </summary>
    public async Task<RunRecord> RunNowAsync(Detection d, CancellationToken ct = default)
    {
        await _tickLock.WaitAsync(ct);
        try
        {
            return await RunOneAsync(d, Now(), [], ct, manual: true);
        }
        finally
        {
            _tickLock.Release();
        }
    }

    /// <summary>
    /// Runs every scheduled window of <paramref name="d"/> whose search range overlaps the past
    /// range [<paramref name="from"/>, <paramref name="to"/>) (the console's "Backfill"), oldest
    /// first, so historic events sent through HEC raise their notables without waiting for the
    /// schedule. A window the ledger already holds is not run again (no duplicate notables).
    /// </summary>
    public async Task<(int Ran, int AlreadyRun, int Notables)> BackfillAsync(Detection d, double from, double to, CancellationToken ct = default)
    {
        if (!(to > from))
        {
            throw new ArgumentException("the backfill range is empty: its end must be after its start");
        }

        // A window [E(t), L(t)) overlaps [from, to) when E(t) < to and L(t) > from; E and L are at
        // most a few hours from t for ESCU's offsets, so the occurrences from a day before to a day after cover them.
        var start = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round((from - 86400) * 1000)).UtcDateTime;
        var end = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(Math.Min(to + 86400, Now()) * 1000)).UtcDateTime;
        var windows = new List<double>();
        foreach (var occurrence in _cron.GetOccurrences(start, end, fromInclusive: true, toInclusive: true))
        {
            var t = Epoch(occurrence);
            if (Resolve(_options.Earliest, t) < to && Resolve(_options.Latest, t) > from)
            {
                windows.Add(t);
                if (windows.Count > MaxBackfillWindows)
                {
                    throw new ArgumentException($"the range holds more than {MaxBackfillWindows:#,0} scheduled windows of '{_options.Cron}'; backfill a shorter range");
                }
            }
        }

        var key = KeyOf(d);
        int ran = 0, already = 0, notables = 0;
        await _tickLock.WaitAsync(ct);
        try
        {
            foreach (var t in windows)
            {
                if (_store.HasRun(key, t))
                {
                    already++;
                    continue;
                }

                notables += (await RunOneAsync(d, t, [], ct, manual: true)).Notables;
                ran++;
            }
        }
        finally
        {
            _tickLock.Release();
        }

        return (ran, already, notables);
    }

    private async Task<RunRecord> RunOneAsync(Detection d, double scheduled, List<RunRecord> alsoRecord, CancellationToken ct, bool manual = false)
    {
        var key = KeyOf(d);
        var earliest = Resolve(_options.Earliest, scheduled);
        var latest = Resolve(_options.Latest, scheduled);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(_options.SearchTimeoutSeconds));
        var store = new SearchStore(_store, cts.Token);
        var context = new SearchContext
        {
            Now = scheduled,
            TimeRange = new TimeRange(earliest, latest),
            Events = store,
            DataModels = store,
            Lookups = _content.Lookups,
            Macros = _content.Macros,
            MaxRowsInMemory = _options.SearchMaxRowsInMemory,
            MaxBytesInMemory = _options.SearchMaxMemoryBytes,
            RegexTimeBudget = TimeSpan.FromSeconds(_options.SearchRegexBudgetSeconds),
            Cancellation = cts.Token,
        };
        var events = new List<Row>();
        var suppressions = new Dictionary<string, double>(StringComparer.Ordinal);
        string? error = null;
        var results = 0;
        var notables = 0;
        var risks = 0;
        try
        {
            var compiled = SplEngine.Compile(d.Search, context);
            if (!compiled.Success)
            {
                error = compiled.Diagnostic?.Message ?? "does not compile";
            }
            else
            {
                var rows = compiled.Search!.Run().ToList();
                results = rows.Count;
                foreach (var r in rows)
                {
                    var notable = AlertBuilder.Notable(d, r, scheduled);
                    if (_suppression.Suppress(key, notable, scheduled, suppressions))
                    {
                        continue;
                    }

                    events.Add(AlertStamp.Stamp(notable, "notable", d, scheduled));
                    notables++;
                    foreach (var risk in AlertBuilder.Risk(d, r, scheduled))
                    {
                        events.Add(AlertStamp.Stamp(risk, "risk", d, scheduled));
                        risks++;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"search time limit of {_options.SearchTimeoutSeconds} s exceeded";
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not OutOfMemoryException && !IsStoreFailure(e))
        {
            // The search itself failed (content, data): recorded as an error run. A store failure
            // propagates instead, so the window is retried rather than recorded as failed.
            error = $"{e.GetType().Name}: {e.Message}";
            _log.LogWarning("scheduled run of {Detection} failed: {Error}", d.Name, error);
        }

        if (error is not null)
        {
            events.Clear();
            notables = risks = 0;
        }

        var record = new RunRecord(key, d.Name, scheduled, earliest, latest, error is null ? "success" : "error", results, notables, risks, error, Now());
        await _queue.CommitAsync(events, [.. alsoRecord, record], ct);
        if (!manual)
        {
            _last[key] = scheduled;
        }

        _suppression.Commit(suppressions); // only once the notables it refers to are committed

        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _notables, notables);
        Interlocked.Add(ref _risks, risks);
        if (error is not null)
        {
            Interlocked.Increment(ref _errors);
        }

        return record;
    }

    private static bool IsStoreFailure(Exception e) => e is IOException or DuckDB.NET.Data.DuckDBException;
}
