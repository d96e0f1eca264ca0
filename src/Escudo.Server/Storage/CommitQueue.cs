using System.Threading.Channels;
using Escudo.Core.Events;
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

    public CommitQueue(IServeStore store, StoreHealth? health = null, ILogger? log = null, TimeProvider? time = null, int capacity = 512, int maxRowsPerCommit = 50_000)
    {
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

    /// <summary>See <see cref="IServeStore.KeepsXmlRecipes"/>.</summary>
    internal bool StoreKeepsXmlRecipes => _store.KeepsXmlRecipes;

    public async Task CommitAsync(IReadOnlyList<Row> events, IReadOnlyList<RunRecord>? runs = null, CancellationToken cancellation = default)
    {
        var p = new Pending(events, runs ?? [], new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await _channel.Writer.WriteAsync(p, cancellation).ConfigureAwait(false);
        await p.Done.Task.ConfigureAwait(false);
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
