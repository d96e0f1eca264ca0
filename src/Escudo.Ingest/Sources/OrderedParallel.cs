namespace Escudo.Ingest.Sources;

/// <summary>
/// Maps a stream of items on several threads and yields the results in input order, so a text
/// reader (JSON lines, XmlWinEventLog) can parse and map events on every core while its caller
/// still sees them in file order. The calling thread reads the input and cuts it into batches;
/// at most two batches per thread are in flight, so memory is bounded whatever the input size.
/// With one thread it is a plain loop.
/// </summary>
internal static class OrderedParallel
{
    private const int BatchSize = 256;

    public static IEnumerable<TOut> Map<TIn, TOut>(IEnumerable<TIn> source, Func<TIn, TOut> map, int threads)
    {
        if (threads <= 1)
        {
            foreach (var item in source)
            {
                yield return map(item);
            }

            yield break;
        }

        var inFlight = new Queue<Task<TOut[]>>();
        var batch = new List<TIn>(BatchSize);
        foreach (var item in source)
        {
            batch.Add(item);
            if (batch.Count < BatchSize)
            {
                continue;
            }

            inFlight.Enqueue(Start(batch, map));
            batch = new List<TIn>(BatchSize);
            if (inFlight.Count >= threads * 2)
            {
                foreach (var r in inFlight.Dequeue().GetAwaiter().GetResult())
                {
                    yield return r;
                }
            }
        }

        if (batch.Count > 0)
        {
            inFlight.Enqueue(Start(batch, map));
        }

        while (inFlight.Count > 0)
        {
            foreach (var r in inFlight.Dequeue().GetAwaiter().GetResult())
            {
                yield return r;
            }
        }
    }

    private static Task<TOut[]> Start<TIn, TOut>(List<TIn> batch, Func<TIn, TOut> map) => Task.Run(() =>
    {
        var results = new TOut[batch.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = map(batch[i]);
        }

        return results;
    });
}
