namespace Escudo.Detections.Running;

/// <summary>
/// The hunt's hand-over from the reader thread to the pass, bounded by the estimated bytes of the
/// events it holds rather than by their count: a Windows event rendered from JSON weighs about
/// 8 KiB with its fields, so the former 64 batches of 256 events held ~140 MB, all of it promoted
/// by every gen0 collection and left in gen1 as garbage (a heap census at the 4× hunt's peak found
/// 334 MB of dead events in gen1). One batch is always let in, however large, so reading never
/// stops; <see cref="Add"/> waits while the queue holds its bound.
/// </summary>
internal sealed class ReadAheadQueue<T>(long maxBytes)
{
    private readonly Queue<(T Item, long Bytes)> _items = new();
    private long _held;
    private bool _completed;

    /// <summary>The most estimated bytes held at once (for tests and figures).</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Times the reader waited because the queue held its bound.</summary>
    public long Waits { get; private set; }

    /// <summary>Queues <paramref name="item"/>, waiting while the queue holds <c>maxBytes</c> or more.</summary>
    public void Add(T item, long bytes, CancellationToken cancel)
    {
        lock (_items)
        {
            if (_items.Count > 0 && _held + bytes > maxBytes)
            {
                Waits++;
            }

            while (_items.Count > 0 && _held + bytes > maxBytes)
            {
                // A bounded wait, so a cancellation (the pass failed) is seen without a pulse.
                Monitor.Wait(_items, 100);
                cancel.ThrowIfCancellationRequested();
            }

            _items.Enqueue((item, bytes));
            _held += bytes;
            PeakBytes = Math.Max(PeakBytes, _held);
            Monitor.PulseAll(_items);
        }
    }

    /// <summary>No more items: <see cref="Take"/> returns false once the queue is empty.</summary>
    public void CompleteAdding()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }

    /// <summary>The next item, waiting for one; false when adding is complete and nothing is left.</summary>
    public bool Take(out T item)
    {
        lock (_items)
        {
            while (_items.Count == 0 && !_completed)
            {
                Monitor.Wait(_items);
            }

            if (_items.Count == 0)
            {
                item = default!;
                return false;
            }

            var (next, bytes) = _items.Dequeue();
            _held -= bytes;
            item = next;
            Monitor.PulseAll(_items);
            return true;
        }
    }
}
