using System.Globalization;
using System.Threading.Channels;
using Escudo.Core.Events;
using Escudo.Spl.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Escudo.Server.Storage;

/// <summary>
/// Group commit: requests (HEC batches, scheduler results) queue here; one writer thread
/// commits whatever has accumulated in a single transaction and then completes every request
/// of it. A request's task completes only after its events are durable, so HEC answers
/// "Success" only for committed events, and concurrent clients share the cost of a commit.
/// A failed group commit is retried request by request, so a request the store refuses fails
/// alone; a failure marks <see cref="StoreHealth"/> degraded, and while degraded and idle the
/// writer probes the store with a real write (backing off), so it recovers without a restart
/// even when no client is writing.
/// </summary>
public sealed class CommitQueue : IDisposable
{
    private readonly IServeStore _store;
    private readonly Channel<Pending> _channel;
    private readonly Thread _thread;
    private readonly int _maxRowsPerCommit;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private long _events;
    private long _commits;
    private long _requests;
    private long _failures;
    private long _failedCommits;
    private long _probes;
    private long _queuedBytes;
    private long _refusedFull;

    /// <summary>The default of <see cref="MaxQueuedBytes"/>: 128 MB of events, about 60 HEC requests of 500 Windows XML events.</summary>
    public const long DefaultMaxQueuedBytes = 128L * 1024 * 1024;

    public CommitQueue(IServeStore store, StoreHealth? health = null, ILogger? log = null, TimeProvider? time = null, int capacity = 512, int maxRowsPerCommit = 50_000, long maxQueuedBytes = DefaultMaxQueuedBytes)
    {
        MaxQueuedBytes = maxQueuedBytes;
        _store = store;
        _time = time ?? TimeProvider.System;
        Health = health ?? new StoreHealth(_time);
        _log = log ?? NullLogger.Instance;
        _maxRowsPerCommit = maxRowsPerCommit;
        _channel = Channel.CreateBounded<Pending>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _thread = new Thread(Loop) { IsBackground = true, Name = "escudo-commit" };
        _thread.Start();
    }

    public StoreHealth Health { get; }

    /// <summary>First wait before probing a degraded store; doubles up to <see cref="MaxProbeDelay"/>.</summary>
    public TimeSpan FirstProbeDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxProbeDelay { get; set; } = TimeSpan.FromSeconds(30);

    public long EventsCommitted => Interlocked.Read(ref _events);

    /// <summary>Successful commits.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests whose commit failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Commit attempts that failed (a group, or one request of it retried alone).</summary>
    public long FailedCommits => Interlocked.Read(ref _failedCommits);

    public long Probes => Interlocked.Read(ref _probes);

    public int QueuedRequests => _channel.Reader.Count;

    /// <summary>
    /// The most memory (<see cref="SearchBudget.EstimateBytes"/> of their rows) the events of
    /// requests waiting for their commit may take: past it, <see cref="CommitAsync"/> with
    /// <c>refuseWhenFull</c> refuses a request (HEC answers 503 "Server is busy" and the client
    /// retries) rather than hold every client's events while the store is slow.
    /// </summary>
    public long MaxQueuedBytes { get; }

    /// <summary>Estimated bytes of the events waiting for their commit (queued or being committed).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Requests refused because the queue held <see cref="MaxQueuedBytes"/>.</summary>
    public long RefusedFull => Interlocked.Read(ref _refusedFull);

    /// <summary>Whether the queue holds more than three quarters of <see cref="MaxQueuedBytes"/> (HEC health answers unhealthy).</summary>
    public bool NearlyFull => QueuedBytes > MaxQueuedBytes / 4 * 3;

    /// <summary>See <see cref="IServeStore.KeepsXmlRecipes"/>.</summary>
    internal bool StoreKeepsXmlRecipes => _store.KeepsXmlRecipes;

    /// <summary>
    /// Completes once the events and runs are committed. With <paramref name="refuseWhenFull"/>,
    /// throws <see cref="CommitQueueFullException"/> (nothing queued) when the events waiting
    /// already take <see cref="MaxQueuedBytes"/>; a request alone in the queue is always taken.
    /// </summary>
    public async Task CommitAsync(IReadOnlyList<Row> events, IReadOnlyList<RunRecord>? runs = null, CancellationToken cancellation = default, bool refuseWhenFull = false)
    {
        long bytes = 0;
        foreach (var row in events)
        {
            bytes += SearchBudget.EstimateBytes(row);
        }

        var queued = Interlocked.Add(ref _queuedBytes, bytes);
        try
        {
            if (refuseWhenFull && queued > MaxQueuedBytes && queued > bytes)
            {
                Interlocked.Increment(ref _refusedFull);
                throw new CommitQueueFullException(queued - bytes, bytes, MaxQueuedBytes);
            }

            var p = new Pending(events, runs ?? [], new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            await _channel.Writer.WriteAsync(p, cancellation).ConfigureAwait(false);
            await p.Done.Task.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _queuedBytes, -bytes);
        }
    }

    private void Loop()
    {
        var batch = new List<Pending>();
        var events = new List<Row>();
        var runs = new List<RunRecord>();
        var reader = _channel.Reader;
        var probeDelay = TimeSpan.Zero; // zero: the first delay, read when needed so it can be tuned after start
        while (true)
        {
            var work = Health.IsDegraded ? WaitForWork(reader, probeDelay == TimeSpan.Zero ? FirstProbeDelay : probeDelay) : WaitForWork(reader, null);
            if (work is null)
            {
                return; // completed and drained
            }

            if (work == false)
            {
                // Degraded and idle: find out with a real write whether the fault has gone.
                Probe();
                var last = probeDelay == TimeSpan.Zero ? FirstProbeDelay : probeDelay;
                probeDelay = Health.IsDegraded ? TimeSpan.FromTicks(Math.Min(last.Ticks * 2, MaxProbeDelay.Ticks)) : TimeSpan.Zero;
                continue;
            }

            batch.Clear();
            events.Clear();
            runs.Clear();
            while (events.Count < _maxRowsPerCommit && reader.TryRead(out var p))
            {
                batch.Add(p);
                events.AddRange(p.Events);
                runs.AddRange(p.Runs);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            if (TryCommit(events, runs, batch.Count, out var error))
            {
                Completed(batch, events.Count);
                probeDelay = TimeSpan.Zero;
                continue;
            }

            if (batch.Count == 1 || IsStoreFailure(error!))
            {
                // The store itself fails (or may even have committed before failing): every request
                // of the group gets the error, none is written again here; HEC clients retry, the
                // scheduler consults its ledger before retrying.
                foreach (var p in batch)
                {
                    Failed(p, error!);
                }

                continue;
            }

            // A request the store refuses (a value it cannot hold) must not fail the others that shared its commit.
            foreach (var p in batch)
            {
                if (TryCommit(p.Events, p.Runs, 1, out var alone))
                {
                    Completed([p], p.Events.Count);
                }
                else
                {
                    Failed(p, alone!);
                }
            }

            if (!Health.IsDegraded)
            {
                probeDelay = TimeSpan.Zero;
            }
        }
    }

    /// <summary>True when work is queued, false when the timeout passed first, null when the queue is completed and empty.</summary>
    private static bool? WaitForWork(ChannelReader<Pending> reader, TimeSpan? timeout)
    {
        using var cts = timeout is null ? null : new CancellationTokenSource(timeout.Value);
        try
        {
            return Block(reader.WaitToReadAsync(cts?.Token ?? CancellationToken.None).AsTask()) ? true : null;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// The task's result, blocking on its wait handle: <c>GetResult</c> on an unfinished task spins
    /// first, and between group commits this thread spun on a 2-core machine against the request
    /// threads it waits for (a tenth of the CPU samples under the HEC load bench).
    /// </summary>
    private static bool Block(Task<bool> task)
    {
        if (!task.IsCompleted)
        {
            ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
        }

        return task.GetAwaiter().GetResult();
    }

    private bool TryCommit(IReadOnlyList<Row> events, IReadOnlyList<RunRecord> runs, int requests, out Exception? error)
    {
        try
        {
            _store.Commit(events, runs);
            error = null;
            if (Health.Succeeded())
            {
                _log.LogWarning("store recovered: commits succeed again");
            }

            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = e;
            Interlocked.Increment(ref _failedCommits);
            if (IsStoreFailure(e))
            {
                // Only the store's own failures make it unhealthy; a value it refuses is that request's problem.
                Health.Failed("commits to the store fail; requests are answered 503 and scheduled runs are retried", e);
            }

            _log.LogError("commit failed ({Requests} requests, {Events} events, {Runs} run records): {Error}", requests, events.Count, runs.Count, $"{e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    private static bool IsStoreFailure(Exception e) => e is IOException or DuckDB.NET.Data.DuckDBException;

    private void Probe()
    {
        Interlocked.Increment(ref _probes);
        try
        {
            _store.Probe(_time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            if (Health.Succeeded())
            {
                _log.LogWarning("store recovered: a probe write succeeded");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Health.Failed("the store still refuses writes (probe failed)", e);
            _log.LogDebug("store probe failed: {Error}", e.Message);
        }
    }

    private void Completed(IReadOnlyList<Pending> batch, int events)
    {
        Interlocked.Add(ref _events, events);
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _requests, batch.Count);
        foreach (var p in batch)
        {
            p.Done.TrySetResult();
        }
    }

    private void Failed(Pending p, Exception e)
    {
        Interlocked.Increment(ref _failures);
        p.Done.TrySetException(e);
    }

    /// <summary>Stops accepting work and waits until everything queued is committed.</summary>
    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _thread.Join(TimeSpan.FromSeconds(30));
    }

    private sealed record Pending(IReadOnlyList<Row> Events, IReadOnlyList<RunRecord> Runs, TaskCompletionSource Done);
}

/// <summary>A request refused because the events waiting for their commit already take the queue's limit in memory.</summary>
public sealed class CommitQueueFullException(long queuedBytes, long requestBytes, long maxBytes)
    : Exception($"the commit queue holds {Mb(queuedBytes)} of events waiting for the store, and this request's {Mb(requestBytes)} would pass its limit of {Mb(maxBytes)}; retry later")
{
    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB";
}
