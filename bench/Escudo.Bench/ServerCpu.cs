using System.Globalization;

namespace Escudo.Bench;

/// <summary>
/// The CPU seconds (user + system) the ClickHouse servers of a cluster folder
/// (<c>scripts/clickhouse-cluster.sh start DIR</c>: DIR/shardN/pid) have used, from
/// <c>/proc/PID/stat</c>: queries and background merges alike. None when no folder is given.
/// </summary>
internal sealed class ServerCpu(IReadOnlyList<int> pids)
{
    public static readonly ServerCpu None = new([]);

    /// <summary>Clock ticks per second of <c>/proc/PID/stat</c> (USER_HZ, 100 on Linux).</summary>
    private const double Ticks = 100;

    public static ServerCpu FromClusterDir(string? dir) =>
        dir is null ? None
            : new([.. Directory.GetDirectories(dir, "shard*").Order(StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "pid")).Where(File.Exists)
                .Select(f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture))]);

    public double Seconds() => pids.Sum(Of);

    public override string ToString() => pids.Count == 0 ? "no servers measured" : $"servers {string.Join(", ", pids)}";

    private static double Of(int pid)
    {
        // Fields after the command's closing parenthesis: state is the 3rd, utime the 14th, stime the 15th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / Ticks;
    }
}
