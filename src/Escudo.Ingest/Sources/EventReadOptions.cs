namespace Escudo.Ingest.Sources;

/// <summary>Per-input overrides (the CLI's --source/--sourcetype/--host/--index, or a test's attack_data entry).</summary>
public sealed record EventReadOptions(string? Source = null, string? SourceType = null, string? Host = null, string Index = "main")
{
    public static readonly EventReadOptions Default = new();

    /// <summary>Threads decoding and mapping events (EVTX chunks, JSON lines, XmlWinEventLog events); null picks one per core (1 on a single core).</summary>
    public int? Threads { get; init; }

    /// <summary>The thread count to use: <see cref="Threads"/>, or one per core up to 8.</summary>
    public int ThreadCount => Math.Max(1, Threads ?? Math.Min(8, Environment.ProcessorCount));
}
