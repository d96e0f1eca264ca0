namespace Escudo.Ingest.Sources;

/// <summary>Per-input overrides (the CLI's --source/--sourcetype/--host/--index, or a test's attack_data entry).</summary>
public sealed record EventReadOptions(string? Source = null, string? SourceType = null, string? Host = null, string Index = "main")
{
    public static readonly EventReadOptions Default = new();

    /// <summary>Threads decoding an EVTX file's chunks; null picks one per core (1 on a single core).</summary>
    public int? EvtxThreads { get; init; }
}
