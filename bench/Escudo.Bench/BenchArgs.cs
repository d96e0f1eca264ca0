using System.Globalization;

namespace Escudo.Bench;

internal static class BenchArgs
{
    /// <summary>Takes "--threads 1,2" out of the arguments (the given default when absent).</summary>
    public static int[] Threads(ref string[] args, int[] fallback)
    {
        var i = Array.IndexOf(args, "--threads");
        if (i < 0 || i + 1 >= args.Length)
        {
            return fallback;
        }

        var threads = args[i + 1].Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        args = [.. args[..i], .. args[(i + 2)..]];
        return threads;
    }
}
