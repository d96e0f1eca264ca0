using System.Diagnostics;

namespace Escudo.Bench;

/// <summary>Runs an action several times and reports the median wall time.</summary>
internal static class Measure
{
    public static double MedianSeconds(int runs, Action action)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalSeconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>One untimed run first (the JIT's tiers settle), then the median of <paramref name="runs"/>.</summary>
    public static double WarmMedianSeconds(int runs, Action action)
    {
        action();
        return MedianSeconds(runs, action);
    }

    public static long PeakMemoryBytes()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64;
    }
}
