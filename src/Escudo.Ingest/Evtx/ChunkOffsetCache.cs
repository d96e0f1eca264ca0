namespace Escudo.Ingest.Evtx;

/// <summary>
/// Values keyed by a chunk-relative offset (names, template bodies), valid until the next
/// <see cref="Reset"/>. A direct-indexed array with a generation stamp per slot: a lookup is two
/// array reads and moving to the next chunk clears nothing.
/// </summary>
internal sealed class ChunkOffsetCache<T>
{
    private T[] _values = [];
    private int[] _stamps = [];
    private int _generation = 1;

    public void Reset()
    {
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamps);
            _generation = 1;
        }
    }

    public bool TryGet(int offset, out T value)
    {
        if ((uint)offset < (uint)_stamps.Length && _stamps[offset] == _generation)
        {
            value = _values[offset];
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>Offsets outside a chunk are not kept (they are damage; the caller reports it).</summary>
    public void Set(int offset, T value)
    {
        if ((uint)offset >= EvtxFile.ChunkSize)
        {
            return;
        }

        if (offset >= _stamps.Length)
        {
            var size = EvtxFile.ChunkSize; // offsets spread over the whole chunk: size it once
            Array.Resize(ref _values, size);
            Array.Resize(ref _stamps, size);
        }

        _values[offset] = value;
        _stamps[offset] = _generation;
    }
}
