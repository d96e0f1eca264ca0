namespace Escudo.Ingest.Sources;

/// <summary>A read-only stream that replays bytes already read (for format sniffing) before the rest of an unseekable stream.</summary>
internal sealed class PrefixedStream(byte[] prefix, Stream rest) : ReadOnlyForwardStream
{
    private int _prefixPos;

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_prefixPos < prefix.Length)
        {
            var n = Math.Min(count, prefix.Length - _prefixPos);
            Array.Copy(prefix, _prefixPos, buffer, offset, n);
            _prefixPos += n;
            return n;
        }

        return rest.Read(buffer, offset, count);
    }

}
