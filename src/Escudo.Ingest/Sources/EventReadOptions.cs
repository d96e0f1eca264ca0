namespace Escudo.Ingest.Sources;

/// <summary>Per-input overrides (the CLI's --source/--sourcetype/--host/--index, or a test's attack_data entry).</summary>
public sealed record EventReadOptions(string? Source = null, string? SourceType = null, string? Host = null, string Index = "main")
{
    /// <summary>
    /// The default limit on one event (and one line of text): 4 Mi characters. The largest
    /// Windows events (PowerShell 4104 script blocks, split by Windows at 32 K characters per
    /// part) are far below it; a line or event above it is reported and skipped as it is read.
    /// </summary>
    public const int DefaultMaxEventChars = 4 * 1024 * 1024;

    /// <summary>
    /// The default limit on how much a zip entry may expand: 200 times its compressed size.
    /// Real recordings expand up to about 60 times (the largest in ../shared/datasets: 59.6);
    /// deflate can reach about 1,030, which is what a zip bomb uses.
    /// </summary>
    public const int DefaultMaxZipRatio = 200;

    public static readonly EventReadOptions Default = new();

    /// <summary>Threads decoding and mapping events (EVTX chunks, JSON lines, XmlWinEventLog events); null picks one per core (1 on a single core).</summary>
    public int? Threads { get; init; }

    /// <summary>The thread count to use: <see cref="Threads"/>, or one per core up to 8.</summary>
    public int ThreadCount => Math.Max(1, Threads ?? Math.Min(8, Environment.ProcessorCount));

    /// <summary>The longest event or line of text read, in characters; longer ones are reported and skipped.</summary>
    public int MaxEventChars { get; init; } = DefaultMaxEventChars;

    /// <summary>How many times its compressed size a zip entry may expand before the rest of it is skipped (entries under 1 MiB always may).</summary>
    public int MaxZipRatio { get; init; } = DefaultMaxZipRatio;
}
