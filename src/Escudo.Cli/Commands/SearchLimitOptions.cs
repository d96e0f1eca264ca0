using System.Globalization;

namespace Escudo.Cli.Commands;

/// <summary>The resource limits of <c>escudo search</c> as given on the command line; null means the default.</summary>
internal sealed record SearchLimitOptions(long? MaxRowsInMemory = null, string? MaxMemory = null, double? RegexBudgetSeconds = null)
{
    /// <summary>The CLI holds every result until it prints them, so its row limit is larger than the server's.</summary>
    public const long DefaultMaxRowsInMemory = 50_000_000;

    /// <summary>Why the options cannot be used, or null.</summary>
    public string? Problem()
    {
        if (MaxRowsInMemory is <= 0)
        {
            return "--max-rows-in-memory must be a positive number of rows";
        }

        if (MaxMemory is not null && MaxMemoryBytes() is null)
        {
            return $"--max-memory '{MaxMemory}' is not a size such as 512MB, 2GB or a number of bytes";
        }

        if (RegexBudgetSeconds is { } s && (!double.IsFinite(s) || s < 0))
        {
            return "--regex-budget must be a number of seconds, 0 or more";
        }

        return null;
    }

    /// <summary><see cref="MaxMemory"/> in bytes (KB, MB, GB are powers of 1024), or null when absent or not a size.</summary>
    public long? MaxMemoryBytes()
    {
        if (MaxMemory is null)
        {
            return null;
        }

        var text = MaxMemory.Trim().ToUpperInvariant();
        long unit = 1;
        foreach (var (suffix, size) in new[] { ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("B", 1L) })
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                unit = size;
                text = text[..^suffix.Length].Trim();
                break;
            }
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && n * unit < long.MaxValue
            ? (long)(n * unit)
            : null;
    }
}
