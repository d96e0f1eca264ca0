using Escudo.Core.Events;

namespace Escudo.Server.Scheduling;

/// <summary>
/// ES-style notable suppression for the scheduler: a notable whose detection and
/// <see cref="ServeOptions.SuppressFields"/> values match one written less than
/// <see cref="ServeOptions.SuppressSeconds"/> earlier is dropped. What a run suppresses against
/// is held apart (<c>pending</c>) until its notables are committed.
/// </summary>
internal sealed class AlertSuppression(ServeOptions options)
{
    private readonly Dictionary<string, double> _suppressed = new(StringComparer.Ordinal);
    private long _count;

    public bool Enabled => options.SuppressFields.Count > 0;

    /// <summary>Notables dropped so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Remembers a notable already in the store (read at start-up), keeping the latest time per key.</summary>
    public void Remember(string detectionKey, Row notable, double scheduled)
    {
        var key = Key(detectionKey, notable);
        _suppressed[key] = Math.Max(_suppressed.GetValueOrDefault(key), scheduled);
    }

    /// <summary>True when <paramref name="notable"/> is to be dropped; otherwise it is noted in <paramref name="pending"/>.</summary>
    public bool Suppress(string detectionKey, Row notable, double scheduled, Dictionary<string, double> pending)
    {
        if (!Enabled)
        {
            return false;
        }

        var key = Key(detectionKey, notable);
        if ((pending.TryGetValue(key, out var last) || _suppressed.TryGetValue(key, out last)) && scheduled - last < options.SuppressSeconds)
        {
            Interlocked.Increment(ref _count);
            return true;
        }

        pending[key] = scheduled;
        return false;
    }

    /// <summary>Makes a run's pending keys count: only once the notables they refer to are committed.</summary>
    public void Commit(Dictionary<string, double> pending)
    {
        foreach (var (k, t) in pending)
        {
            _suppressed[k] = t;
        }
    }

    private string Key(string detectionKey, Row notable) =>
        detectionKey + "\u001f" + string.Join("\u001f", options.SuppressFields.Select(f => notable.Get(f).ToDisplayString()));
}
