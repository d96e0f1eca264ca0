using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Escudo.Ingest.Evtx;

/// <summary>
/// Damage found while decoding. Internal only: the reader catches it per record or per chunk and
/// turns it into an <see cref="IngestProblem"/>. <see cref="Offset"/> is relative to the buffer
/// being parsed (the chunk); the reader adds the chunk's file offset.
/// </summary>
internal sealed class EvtxFormatException(string what, long offset, string message) : Exception(message)
{
    public string What { get; } = what;

    public long Offset { get; } = offset;
}

/// <summary>
/// Forward-only little-endian reader over a span. Every read is bounds-checked against
/// <see cref="End"/> and names what it was reading, so damage is reported as "what at offset".
/// Positions are absolute indexes into <see cref="Data"/> (chunk-relative for EVTX chunks).
/// </summary>
internal ref struct EvtxCursor
{
    public readonly ReadOnlySpan<byte> Data;
    public int Position;
    public readonly int End;

    public EvtxCursor(ReadOnlySpan<byte> data, int position, int end)
    {
        if (position < 0 || end < position || end > data.Length)
        {
            throw new EvtxFormatException("cursor", position, $"range {position}..{end} is outside the buffer of {data.Length} bytes");
        }

        Data = data;
        Position = position;
        End = end;
    }

    public EvtxCursor(ReadOnlySpan<byte> data)
        : this(data, 0, data.Length)
    {
    }

    public readonly int Remaining => End - Position;

    public readonly bool AtEnd => Position >= End;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Require(int count, string what)
    {
        if ((uint)count > (uint)(End - Position))
        {
            Fail(what, count);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void Fail(string what, int count) =>
        throw new EvtxFormatException(what, Position, $"needs {count} bytes but only {End - Position} remain before offset {End}");

    public byte PeekU8(string what)
    {
        Require(1, what);
        return Data[Position];
    }

    public byte U8(string what)
    {
        Require(1, what);
        return Data[Position++];
    }

    public ushort U16(string what)
    {
        Require(2, what);
        var v = BinaryPrimitives.ReadUInt16LittleEndian(Data.Slice(Position, 2));
        Position += 2;
        return v;
    }

    public uint U32(string what)
    {
        Require(4, what);
        var v = BinaryPrimitives.ReadUInt32LittleEndian(Data.Slice(Position, 4));
        Position += 4;
        return v;
    }

    public ulong U64(string what)
    {
        Require(8, what);
        var v = BinaryPrimitives.ReadUInt64LittleEndian(Data.Slice(Position, 8));
        Position += 8;
        return v;
    }

    public ReadOnlySpan<byte> Bytes(int count, string what)
    {
        if (count < 0)
        {
            throw new EvtxFormatException(what, Position, $"negative length {count}");
        }

        Require(count, what);
        var s = Data.Slice(Position, count);
        Position += count;
        return s;
    }

    public void Skip(int count, string what) => Bytes(count, what);

    /// <summary>Moves to an absolute position inside [0, End].</summary>
    public void Seek(int position, string what)
    {
        if (position < 0 || position > End)
        {
            throw new EvtxFormatException(what, Position, $"target offset {position} is outside 0..{End}");
        }

        Position = position;
    }
}
