using Escudo.Detections.Running;

namespace Escudo.Tests.Hunt;

/// <summary>
/// The hunt's read-ahead counts bytes, not items: it never holds more than its bound (but always
/// lets one item in, however large), keeps the order, and a reader waiting on a full queue is
/// released by cancellation.
/// </summary>
public class ReadAheadQueueTests
{
    [Fact]
    public async Task HoldsNoMoreThanItsBoundAndKeepsTheOrder()
    {
        var queue = new ReadAheadQueue<int>(maxBytes: 1000);
        var taken = new List<int>();
        var producer = Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                // Sizes 1..400: two or three fit under the bound, some alone come near it.
                queue.Add(i, 1 + (i * 37 % 400), CancellationToken.None);
            }

            queue.CompleteAdding();
        });
        while (queue.Take(out var item))
        {
            taken.Add(item);
            if (item % 50 == 0)
            {
                Thread.Sleep(1); // let the producer fill the queue to its bound
            }
        }

        await producer;
        Assert.Equal(Enumerable.Range(0, 500), taken);
        Assert.InRange(queue.PeakBytes, 1, 1000);
        Assert.True(queue.Waits > 0, "the bound was never hit: the test says nothing");
    }

    [Fact]
    public void AnItemLargerThanTheBoundGoesInAlone()
    {
        var queue = new ReadAheadQueue<string>(maxBytes: 10);
        queue.Add("big", 1_000_000, CancellationToken.None);
        Assert.True(queue.Take(out var item));
        Assert.Equal("big", item);
        queue.Add("next", 5, CancellationToken.None);
        queue.CompleteAdding();
        Assert.True(queue.Take(out item));
        Assert.Equal("next", item);
        Assert.False(queue.Take(out _));
        Assert.Equal(1_000_000, queue.PeakBytes);
    }

    [Fact]
    public async Task CancellationReleasesAReaderWaitingOnAFullQueue()
    {
        var queue = new ReadAheadQueue<int>(maxBytes: 10);
        queue.Add(1, 10, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var waiting = Task.Run(() => queue.Add(2, 10, stop.Token));
        stop.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        Assert.True(queue.Take(out var first));
        Assert.Equal(1, first);
    }
}
