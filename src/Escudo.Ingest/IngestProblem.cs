namespace Escudo.Ingest;

/// <summary>
/// Something wrong in an input file that was reported and skipped: which file, where (byte
/// offset, or line for text), what the reader was reading, and what it found.
/// </summary>
public sealed record IngestProblem(string File, long Offset, string What, string Message)
{
    public override string ToString() => $"{File}@{Offset}: {What}: {Message}";
}
