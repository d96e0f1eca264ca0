using System.Threading.Channels;
using Escudo.Core.Events;

namespace Escudo.Server.Storage;

/// <summary>
/// Group commit: requests (HEC batches, scheduler results) queue here; one writer thread
/// commits whatever has accumulated in a single transaction and then completes every request
/// of it. A request's task completes only after its events are durable, so HEC answers
/// "Success" only for committed events, and concurrent clients share the cost of a commit.
/// </summary>
public sealed class CommitQueue : IDisposable
{
    private readonly IServeStore _store;
    private readonly Channel<Pending> _channel;
    private readonly Thread _thread;
    private readonly int _maxRowsPerCommit;
    private long _events;
    private long _commits;
    private long _requests;
    private long _failures;

    public CommitQueue(IServeStore store, int capacity = 512, int maxRowsPerCommit = 50_000)
    {
        _store = store;
        _maxRowsPerCommit = maxRowsPerCommit;
        _channel = Channel.CreateBounded<Pending>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _thread = new Thread(Loop) { IsBackground = true, Name = "escudo-commit" };
        _thread.Start();
    }

    public long EventsCommitted => Interlocked.Read(ref _events);

    public long Commits => Interlocked.Read(ref _commits);

    public long Requests => Interlocked.Read(ref _requests);

    public long Failures => Interlocked.Read(ref _failures);

    public int QueuedRequests => _channel.Reader.Count;

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
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            events.Clear();
            runs.Clear();
            while (events.Count < _maxRowsPerCommit && reader.TryRead(out var p))
            {
                batch.Add(p);
                events.AddRange(p.Events);
                runs.AddRange(p.Runs);
            }

            try
            {
                _store.Commit(events, runs);
                Interlocked.Add(ref _events, events.Count);
                Interlocked.Increment(ref _commits);
                Interlocked.Add(ref _requests, batch.Count);
                foreach (var p in batch)
                {
                    p.Done.TrySetResult();
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Interlocked.Add(ref _failures, batch.Count);
                foreach (var p in batch)
                {
                    p.Done.TrySetException(e);
                }
            }
        }
    }

    /// <summary>Stops accepting work and waits until everything queued is committed.</summary>
    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _thread.Join(TimeSpan.FromSeconds(30));
    }

    private sealed record Pending(IReadOnlyList<Row> Events, IReadOnlyList<RunRecord> Runs, TaskCompletionSource Done);
}
