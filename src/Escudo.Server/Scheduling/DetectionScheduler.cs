using Cronos;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Server.Storage;
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
public sealed partial class DetectionScheduler : IDisposable
{
    private readonly IServeStore _store;
    private readonly CommitQueue _queue;
    private readonly ContentFolder _content;
    private readonly ServeOptions _options;
    private readonly TimeProvider _time;
    private readonly CronExpression _cron;
    private readonly Dictionary<string, double> _last = new(StringComparer.Ordinal);
    private readonly AlertSuppression _suppression;
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
    private double _caughtUpTo;
    private int _disposed;

    /// <summary>With several nodes on one store: who runs each window (null: this node runs every window).</summary>
    private readonly IWindowLease? _lease;

    public DetectionScheduler(IServeStore store, CommitQueue queue, ContentFolder content, IReadOnlyList<Detection> detections, IReadOnlyList<(Detection Detection, string Reason)> unsupported, ServeOptions options, TimeProvider time, ILogger? log = null, IWindowLease? lease = null)
    {
        _lease = lease;
        _log = log ?? NullLogger.Instance;
        _store = store;
        _queue = queue;
        _content = content;
        _options = options;
        _time = time;
        _cron = CronSchedule.Parse(options.Cron);
        _suppression = new AlertSuppression(options);
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

        if (_suppression.Enabled)
        {
            var request = new ScanRequest(new TimeRange(now - _options.SuppressSeconds, null));
            var pushdown = new Pushdown(new Dictionary<string, IReadOnlyList<string>> { ["index"] = ["notable"] });
            foreach (var n in _store.Scan(request, pushdown, CancellationToken.None))
            {
                if (n.Get("rule_id").FirstString() is { } id && n.Get("orig_scheduled").TryGetNumber(out var t))
                {
                    _suppression.Remember(id, n, t);
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
            var claims = _lease is null ? null : await _lease.TryClaimAsync([.. Detections.Select(d => FirstDue(d, now)).OfType<ScheduledWindow>()], ct);
            foreach (var d in Detections)
            {
                ct.ThrowIfCancellationRequested();
                var key = KeyOf(d);
                var due = Due(key, now);
                if (due.Count == 0)
                {
                    continue;
                }

                if (claims is not null)
                {
                    // With a lease, the first due window only, once this node holds it; the next at the next tick.
                    var answer = claims[new ScheduledWindow(key, due[0])];
                    complete &= answer != LeaseAnswer.Held && due.Count == 1; // come back soon: held by another node, or more to run
                    if (answer == LeaseAnswer.Done)
                    {
                        _last[key] = due[0]; // run by another node
                    }

                    if (answer != LeaseAnswer.Won)
                    {
                        continue;
                    }

                    due = [due[0]];
                }

                double? retryFrom;
                lock (_retryFrom)
                {
                    retryFrom = _retryFrom.TryGetValue(key, out var rf) ? rf : null;
                }

                // Windows missed while the service was down are skipped (unless catching up); once a
                // window has failed to commit, it and every later one run: the service was up for them.
                // With a lease, another node may have been up for the missed windows, or died in one:
                // every window not in the ledger is run (by whichever node claims it), none skipped.
                var skippedTimes = _options.CatchUp || _lease is not null ? [] : retryFrom is { } r ? due.Where(t => t < r).ToList() : due.Take(due.Count - 1).ToList();
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

    private List<double> Due(string key, DateTimeOffset now)
    {
        var from = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(_last[key] * 1000)).UtcDateTime;
        return _cron.GetOccurrences(from, now.UtcDateTime, fromInclusive: false, toInclusive: true).Select(Epoch).ToList();
    }

    private ScheduledWindow? FirstDue(Detection d, DateTimeOffset now) =>
        Due(KeyOf(d), now) is [var first, ..] ? new ScheduledWindow(KeyOf(d), first) : null;

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
        ["suppressed"] = _suppression.Count,
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
