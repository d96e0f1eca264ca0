namespace Escudo.Ingest.Sources;

/// <summary>
/// A zip entry's decompressed bytes, read-only and forward-only, that end instead of throwing:
/// damaged compressed data (a bad deflate block, a CRC mismatch) and expansion past the limit
/// are each reported once, naming the archive and the entry, and the entry ends there. The
/// readers above see a truncated input, report what that cuts, and keep the events before it.
/// </summary>
internal sealed class ZipEntryStream(Stream inner, string name, long limit, int ratio, Action<IngestProblem>? problems) : ReadOnlyForwardStream
{
    private long _read;
    private bool _ended;

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_ended)
        {
            return 0;
        }

        int n;
        try
        {
            n = inner.Read(buffer, offset, count);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            _ended = true;
            problems?.Invoke(new IngestProblem(name, _read, "zip entry", $"damaged compressed data ({e.Message}); the rest of this entry is skipped"));
            return 0;
        }

        if (_read + n > limit)
        {
            _ended = true;
            problems?.Invoke(new IngestProblem(name, limit, "zip entry", $"expands to more than {limit:N0} bytes, {ratio} times its compressed size (a zip bomb, or damage); the rest of this entry is skipped"));
            n = (int)(limit - _read);
        }

        _read += n;
        return n;
    }


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
