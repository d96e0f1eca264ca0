using Cronos;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Escudo.Server.Scheduling;

/// <summary>
/// Runs every scheduled detection on its cron schedule over the window
/// [earliest, latest) relative to the scheduled time (ESCU's default: <c>0 * * * *</c>,
/// <c>-70m@m</c> to <c>-10m@m</c>). Time comes from an injected <see cref="TimeProvider"/>.
/// A run's notables, risk events and ledger record commit in one transaction, so after a crash
/// a window is either fully recorded (never re-run) or not at all (run again, no duplicates).
/// Occurrences missed while the service was down are recorded as skipped (Splunk's real-time
/// scheduling) unless <see cref="ServeOptions.CatchUp"/> asks to run them.
/// A window whose results cannot be committed (a full disk, a read-only folder) is logged and
/// retried with backoff until it commits; the windows that fall due meanwhile are run after it,
/// in order, never recorded as skipped, since the service was running. Before a retry the
/// ledger is consulted, so a window is never written twice.
/// </summary>
public sealed class DetectionScheduler : IDisposable
{
    private readonly IServeStore _store;
    private readonly CommitQueue _queue;
    private readonly ContentFolder _content;
    private readonly ServeOptions _options;
    private readonly TimeProvider _time;
    private readonly CronExpression _cron;
    private readonly Dictionary<string, double> _last = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _suppressed = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _tickLock = new(1, 1);

    /// <summary>Per detection, the first window whose commit failed: from there every due window runs, none is skipped.</summary>
    private readonly Dictionary<string, double> _retryFrom = new(StringComparer.Ordinal);
    private readonly ILogger _log;
    private long _commitFailures;
    private long _retries;
    private Task? _loop;
    private long _runs;
    private long _skipped;
    private long _errors;
    private long _notables;
    private long _risks;
    private long _suppressedCount;
    private double _caughtUpTo;
    private int _disposed;

    public DetectionScheduler(IServeStore store, CommitQueue queue, ContentFolder content, IReadOnlyList<Detection> detections, IReadOnlyList<(Detection Detection, string Reason)> unsupported, ServeOptions options, TimeProvider time, ILogger? log = null)
    {
        _log = log ?? NullLogger.Instance;
        _store = store;
        _queue = queue;
        _content = content;
        _options = options;
        _time = time;
        _cron = CronExpression.Parse(options.Cron);
        Detections = detections;
        Unsupported = unsupported;
    }

    public IReadOnlyList<Detection> Detections { get; }

    public IReadOnlyList<(Detection Detection, string Reason)> Unsupported { get; }

    /// <summary>The latest instant every due occurrence up to which has been handled.</summary>
    public double CaughtUpTo => Volatile.Read(ref _caughtUpTo);

    public long RunsCompleted => Interlocked.Read(ref _runs);

    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Windows whose commit failed (each attempt counts).</summary>
    public long CommitFailures => Interlocked.Read(ref _commitFailures);

    /// <summary>Attempts to run a window again after its commit failed.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Detections waiting for a failed window to be committed.</summary>
    public int PendingRetries
    {
        get
        {
            lock (_retryFrom)
            {
                return _retryFrom.Count;
            }
        }
    }

    public static string KeyOf(Detection d) => string.IsNullOrEmpty(d.Id) ? d.Name : d.Id;

    /// <summary>Selects the detections to schedule: production (and experimental if asked), not deprecated, matching --only, and compiling.</summary>
    public static (List<Detection> Scheduled, List<(Detection, string)> Unsupported) Select(ContentFolder content, ServeOptions options)
    {
        var engine = new Detections.Running.DetectionEngine(content);
        var scheduled = new List<Detection>();
        var unsupported = new List<(Detection, string)>();
        foreach (var d in content.Detections)
        {
            if (d.IsDeprecated || (d.Status.Equals("experimental", StringComparison.OrdinalIgnoreCase) && !options.IncludeExperimental))
            {
                continue;
            }

            if (options.Only.Count > 0 && !options.Only.Any(g => Glob(g, d.Name) || Glob(g, d.File) || Glob(g, Path.GetFileName(d.File))))
            {
                continue;
            }

            if (engine.Check(d) is { } reason)
            {
                unsupported.Add((d, reason));
            }
            else
            {
                scheduled.Add(d);
            }
        }

        return (scheduled, unsupported);
    }

    private static bool Glob(string pattern, string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    /// <summary>Loads the ledger; detections seen for the first time start from now (no back-fill).</summary>
    public async Task InitializeAsync()
    {
        var now = Now();
        foreach (var (k, v) in _store.LastScheduled())
        {
            _last[k] = v;
        }

        var registrations = new List<RunRecord>();
        foreach (var d in Detections)
        {
            if (!_last.ContainsKey(KeyOf(d)))
            {
                _last[KeyOf(d)] = now;
                registrations.Add(new RunRecord(KeyOf(d), d.Name, now, now, now, "registered", 0, 0, 0, null, now));
            }
        }

        if (registrations.Count > 0)
        {
            await _queue.CommitAsync([], registrations);
        }

        if (_options.SuppressFields.Count > 0)
        {
            var request = new ScanRequest(new TimeRange(now - _options.SuppressSeconds, null));
            var pushdown = new Pushdown(new Dictionary<string, IReadOnlyList<string>> { ["index"] = ["notable"] });
            foreach (var n in _store.Scan(request, pushdown, CancellationToken.None))
            {
                if (n.Get("rule_id").FirstString() is { } id && n.Get("orig_scheduled").TryGetNumber(out var t))
                {
                    var key = SuppressionKey(id, n);
                    _suppressed[key] = Math.Max(_suppressed.GetValueOrDefault(key), t);
                }
            }
        }
    }

    public void Start()
    {
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        var retryDelay = TimeSpan.FromSeconds(_options.SchedulerRetrySeconds);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                bool complete;
                try
                {
                    complete = await TickAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException && e is not OutOfMemoryException)
                {
                    // Whatever went wrong, the scheduler goes on: nothing due is dropped, it is retried.
                    _log.LogError("scheduler tick failed, retrying in {Delay} s: {Error}", retryDelay.TotalSeconds, $"{e.GetType().Name}: {e.Message}");
                    complete = false;
                }

                if (!complete)
                {
                    // Real time, not the schedule's clock: the wait is for the disk, not for the next window.
                    await Task.Delay(retryDelay, ct);
                    retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, TimeSpan.FromSeconds(_options.SchedulerRetryMaxSeconds).Ticks));
                    continue;
                }

                retryDelay = TimeSpan.FromSeconds(_options.SchedulerRetrySeconds);

                // The next occurrence after what the tick covered, not after "now": if the clock
                // moved during the tick, what became due runs at once instead of a cron period later.
                var covered = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(CaughtUpTo * 1000)).UtcDateTime;
                var next = _cron.GetNextOccurrence(covered, inclusive: false);
                if (next is null)
                {
                    return;
                }

                var wait = next.Value - _time.GetUtcNow().UtcDateTime;
                if (wait <= TimeSpan.Zero)
                {
                    continue;
                }

                // The injected clock can jump (a test's fake clock, a corrected system clock) between
                // reading it and arming the timer; a one-second wake in real time bounds how long
                // such a jump goes unseen. A tick with nothing due costs next to nothing.
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
                await Task.WhenAny(Task.Delay(wait, _time, wake.Token), Task.Delay(TimeSpan.FromSeconds(1), wake.Token));
                await wake.CancelAsync();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs (or records as skipped) every occurrence due up to now. False when a window could not
    /// be committed: it stays due, and the caller tries again after a backoff.
    /// </summary>
    public async Task<bool> TickAsync(CancellationToken ct = default)
    {
        await _tickLock.WaitAsync(ct);
        try
        {
            var now = _time.GetUtcNow();
            var complete = true;
            foreach (var d in Detections)
            {
                ct.ThrowIfCancellationRequested();
                var key = KeyOf(d);
                var from = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(_last[key] * 1000)).UtcDateTime;
                var due = _cron.GetOccurrences(from, now.UtcDateTime, fromInclusive: false, toInclusive: true).Select(Epoch).ToList();
                if (due.Count == 0)
                {
                    continue;
                }

                double? retryFrom;
                lock (_retryFrom)
                {
                    retryFrom = _retryFrom.TryGetValue(key, out var rf) ? rf : null;
                }

                // Windows missed while the service was down are skipped (unless catching up); once a
                // window has failed to commit, it and every later one run: the service was up for them.
                var skippedTimes = _options.CatchUp ? [] : retryFrom is { } r ? due.Where(t => t < r).ToList() : due.Take(due.Count - 1).ToList();
                var toRun = due.Skip(skippedTimes.Count).ToList();
                var skipped = skippedTimes
                    .Select(t => new RunRecord(key, d.Name, t, Resolve(_options.Earliest, t), Resolve(_options.Latest, t), "skipped", 0, 0, 0, "service was not running", Now()))
                    .ToList();
                for (var i = 0; i < toRun.Count; i++)
                {
                    if (!await TryRunOneAsync(d, toRun[i], i == 0 ? skipped : [], retryFrom is not null, ct))
                    {
                        complete = false;
                        break; // later windows wait for this one: they run in order
                    }

                    if (i == 0)
                    {
                        Interlocked.Add(ref _skipped, skipped.Count);
                    }

                    retryFrom = null;
                }
            }

            if (complete)
            {
                Volatile.Write(ref _caughtUpTo, now.ToUnixTimeMilliseconds() / 1000.0);
            }

            return complete;
        }
        finally
        {
            _tickLock.Release();
        }
    }

    /// <summary>Runs one window and commits it; false (logged, to be retried) when the store refuses the commit.</summary>
    private async Task<bool> TryRunOneAsync(Detection d, double scheduled, List<RunRecord> alsoRecord, bool retrying, CancellationToken ct)
    {
        var key = KeyOf(d);
        try
        {
            if (retrying)
            {
                Interlocked.Increment(ref _retries);
                if (_store.HasRun(key, scheduled))
                {
                    // The failed attempt did commit after all: recorded once, not again.
                    _last[key] = scheduled;
                    Interlocked.Increment(ref _runs);
                    ClearRetry(key, scheduled);
                    return true;
                }
            }

            try
            {
                await RunOneAsync(d, scheduled, alsoRecord, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException && e is not OutOfMemoryException && !IsStoreFailure(e))
            {
                // The store works but refuses these results (a value it cannot hold): a retry would fail
                // the same way forever, so the window is recorded as an error, loudly, and the schedule goes on.
                var error = $"results could not be stored: {e.GetType().Name}: {e.Message}";
                var record = new RunRecord(key, d.Name, scheduled, Resolve(_options.Earliest, scheduled), Resolve(_options.Latest, scheduled), "error", 0, 0, 0, error, Now());
                await _queue.CommitAsync([], [.. alsoRecord, record], ct);
                _last[key] = scheduled;
                Interlocked.Increment(ref _runs);
                Interlocked.Increment(ref _errors);
                _log.LogError("scheduled run of {Detection} recorded as an error: {Error}", d.Name, error);
            }

            ClearRetry(key, scheduled);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _commitFailures);
            lock (_retryFrom)
            {
                _retryFrom[key] = _retryFrom.TryGetValue(key, out var rf) ? Math.Min(rf, scheduled) : scheduled;
            }

            _log.LogError(
                "scheduled run of {Detection} at {Scheduled} could not be recorded, will retry: {Error}",
                d.Name,
                DateTimeOffset.FromUnixTimeMilliseconds((long)(scheduled * 1000)).ToString("u", System.Globalization.CultureInfo.InvariantCulture),
                $"{e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    private void ClearRetry(string key, double scheduled)
    {
        lock (_retryFrom)
        {
            if (_retryFrom.TryGetValue(key, out var rf) && rf <= scheduled)
            {
                _retryFrom.Remove(key);
            }
        }
    }

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
                    if (Suppress(d, notable, scheduled, suppressions))
                    {
                        continue;
                    }

                    events.Add(Stamp(notable, "notable", d, scheduled));
                    notables++;
                    foreach (var risk in AlertBuilder.Risk(d, r, scheduled))
                    {
                        events.Add(Stamp(risk, "risk", d, scheduled));
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

        foreach (var (k, t) in suppressions)
        {
            _suppressed[k] = t; // only once the notables it refers to are committed
        }

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

    private bool Suppress(Detection d, Row notable, double scheduled, Dictionary<string, double> pending)
    {
        if (_options.SuppressFields.Count == 0)
        {
            return false;
        }

        var key = SuppressionKey(KeyOf(d), notable);
        if ((pending.TryGetValue(key, out var last) || _suppressed.TryGetValue(key, out last)) && scheduled - last < _options.SuppressSeconds)
        {
            Interlocked.Increment(ref _suppressedCount);
            return true;
        }

        pending[key] = scheduled;
        return false;
    }

    private string SuppressionKey(string detectionKey, Row notable) =>
        detectionKey + "\u001f" + string.Join("\u001f", _options.SuppressFields.Select(f => notable.Get(f).ToDisplayString()));

    /// <summary>Gives an alert its place in the store: index, ES's stash sourcetype, the rule as source, its JSON as _raw.</summary>
    private static Row Stamp(Row alert, string index, Detection d, double scheduled)
    {
        alert.Set("orig_scheduled", Value.FromNumber(scheduled));
        alert.Set(FieldTable.Index, Value.FromString(index));
        alert.Set(FieldTable.SourceType, Value.FromString("stash"));
        alert.Set(FieldTable.Source, Value.FromString(AlertBuilder.SearchName(d)));
        if (alert.Get(FieldTable.Host).IsNull)
        {
            alert.Set(FieldTable.Host, Value.FromString("escudo"));
        }

        // The events behind the alert, as hunt's escudo_evidence but one JSON object per value (a
        // stored field holds text): HEC source, host, channel, store row id and event time.
        if (Evidence.Of(alert) is { Refs.Length: > 0 } evidence)
        {
            var refs = new string[evidence.Refs.Length];
            for (var i = 0; i < refs.Length; i++)
            {
                refs[i] = ResultJson.RefJson(evidence.Refs[i]);
            }

            alert.Set("escudo_evidence", Value.FromMulti(refs));
        }

        alert.Set(FieldTable.Raw, Value.FromString(ResultJson.ToJsonLine(alert)));
        return alert;
    }

    public Dictionary<string, object> Snapshot() => new()
    {
        ["detections"] = Detections.Count,
        ["unsupported"] = Unsupported.Count,
        ["cron"] = _options.Cron,
        ["runs"] = RunsCompleted,
        ["skipped"] = Skipped,
        ["ok"] = RunsCompleted - Interlocked.Read(ref _errors),
        ["errors"] = Interlocked.Read(ref _errors),
        ["commit_failures"] = CommitFailures,
        ["retried"] = Retries,
        ["pending_retries"] = PendingRetries,
        ["notables"] = Interlocked.Read(ref _notables),
        ["risk_events"] = Interlocked.Read(ref _risks),
        ["suppressed"] = Interlocked.Read(ref _suppressedCount),
        ["caught_up_to"] = CaughtUpTo,
    };

    private double Now() => _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    private static double Epoch(DateTime utc) => new DateTimeOffset(utc, TimeSpan.Zero).ToUnixTimeMilliseconds() / 1000.0;

    private static double Resolve(string modifier, double at) =>
        RelativeTime.Resolve(modifier, at) ?? throw new FormatException($"invalid time modifier '{modifier}'");

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // stopping
        }

        _stop.Dispose();
        _tickLock.Dispose();
    }
}
