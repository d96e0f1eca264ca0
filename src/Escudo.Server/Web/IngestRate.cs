namespace Escudo.Server.Web;

/// <summary>
/// The accepted-event counter sampled every <see cref="Period"/> into a ring of the last hour, so
/// the Data page can show the recent ingest rate and its chart, not only a total since start.
/// </summary>
internal sealed class IngestRate : IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);
    private const int Samples = 360;

    private readonly Func<long> _counter;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private readonly Queue<(double At, long Count)> _ring = new();

    public IngestRate(Func<long> counter, TimeProvider time)
    {
        _counter = counter;
        _time = time;
        Started = Now();
        Sample();
        _timer = time.CreateTimer(_ => Sample(), null, Period, Period);
    }

    public double Started { get; }

    /// <summary>The samples (time, events accepted so far), oldest first, plus one taken now.</summary>
    public List<(double At, long Count)> Series()
    {
        lock (_gate)
        {
            return [.. _ring, (Now(), _counter())];
        }
    }

    /// <summary>Events per second over about the last minute (or since start when younger).</summary>
    public double RecentPerSecond()
    {
        var series = Series();
        var last = series[^1];
        var first = series.LastOrDefault(p => last.At - p.At >= 60, series[0]);
        return last.At > first.At ? (last.Count - first.Count) / (last.At - first.At) : 0;
    }

    private void Sample()
    {
        lock (_gate)
        {
            _ring.Enqueue((Now(), _counter()));
            while (_ring.Count > Samples)
            {
                _ring.Dequeue();
            }
        }
    }

    private double Now() => _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    public void Dispose() => _timer.Dispose();
}
