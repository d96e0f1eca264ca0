namespace Escudo.Ingest.Sources;

/// <summary>
/// The base of streams that are read once from start to end (sniffed prefixes, zip entries,
/// generated test inputs): everything but <see cref="Stream.Read(byte[], int, int)"/> is fixed,
/// so each such stream says only how it reads.
/// </summary>
internal abstract class ReadOnlyForwardStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
