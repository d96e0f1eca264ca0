namespace Escudo.Ingest.Evtx;

/// <summary>How <see cref="EvtxFile"/> reads records.</summary>
internal sealed record EvtxReadOptions
{
    public static readonly EvtxReadOptions Default = new();

    /// <summary>
    /// Also fill <see cref="EvtxRecord.Event"/> from the same walk that renders the XML, so the
    /// Windows fields need no second parse of the text.
    /// </summary>
    public bool WindowsEvents { get; init; }

    /// <summary>
    /// Chunks decoded at the same time (1 = on the reading thread). Records still come out in
    /// file order; at most two chunks per thread are in flight, so memory stays bounded.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>One decoding thread per core when there is more than one, up to 8.</summary>
    public static int DefaultThreads => Math.Clamp(Environment.ProcessorCount, 1, 8);
}
