using System.Collections.Concurrent;

namespace Escudo.Server.Http;

/// <summary>
/// HEC indexer acknowledgement per channel. Escudo answers a request only after its events are
/// committed, so an ackId is issued already acknowledged; <c>/ack</c> reports it true once, then
/// forgets it, as Splunk does. Each channel keeps at most <see cref="MaxPerChannel"/> ids.
/// </summary>
internal sealed class AckTracker
{
    public const int MaxPerChannel = 100_000;

    private readonly ConcurrentDictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);

    public long Issue(string channel)
    {
        var state = _channels.GetOrAdd(channel, _ => new ChannelState());
        lock (state)
        {
            var id = state.Next++;
            state.Acked.Add(id);
            if (state.Acked.Count > MaxPerChannel)
            {
                state.Acked.Remove(state.Acked.Min);
            }

            return id;
        }
    }

    public bool Query(string channel, long id)
    {
        if (!_channels.TryGetValue(channel, out var state))
        {
            return false;
        }

        lock (state)
        {
            return state.Acked.Remove(id);
        }
    }

    private sealed class ChannelState
    {
        public long Next;
        public SortedSet<long> Acked { get; } = [];
    }
}
