using System.Collections.Concurrent;

namespace Escudo.Ingest.Evtx;

/// <summary>
/// Background threads that decode queued EVTX chunks for every reader in the process. They are
/// dedicated threads started once (not thread pool work, and not one set per file): files are
/// often a few chunks long, and starting threads per file cost more than it saved, while pool
/// work could starve behind callers that block pool threads. A reader can always decode its own
/// chunks, so helpers only ever add speed.
/// </summary>
internal static class EvtxChunkHelpers
{
    internal interface IJob
    {
        /// <summary>Decodes the chunk unless another thread already took it.</summary>
        void RunIfFree(BinXmlRenderer renderer);
    }

    private static readonly BlockingCollection<IJob> Jobs = [];
    private static readonly Lock Gate = new();
    private const int MaxQueuedPerHelper = 8;
    private static int _helpers;

    public static void EnsureHelpers(int count)
    {
        if (Volatile.Read(ref _helpers) >= count)
        {
            return;
        }

        lock (Gate)
        {
            while (_helpers < count)
            {
                var thread = new Thread(Work) { IsBackground = true, Name = $"evtx chunks {_helpers + 1}" };
                thread.Start();
                _helpers++;
            }
        }
    }

    public static void Queue(IJob job)
    {
        // Readers also decode their own chunks, so a job the helpers are too busy for is simply
        // left to its reader: the queue stays short even when helpers get no CPU.
        var helpers = Volatile.Read(ref _helpers);
        if (helpers > 0 && Jobs.Count < MaxQueuedPerHelper * helpers)
        {
            Jobs.Add(job);
        }
    }

    private static void Work()
    {
        var renderer = new BinXmlRenderer();
        foreach (var job in Jobs.GetConsumingEnumerable())
        {
            job.RunIfFree(renderer);
        }
    }
}
