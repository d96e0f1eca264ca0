using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// ClickHouse's RowBinary format, the part Escudo uses: strings as a LEB128 length and UTF-8
/// bytes, fixed-width numbers little-endian, arrays as a LEB128 count and their items. Exact for
/// every value (no text escaping), and supported by 18.16 and current releases alike.
/// </summary>
internal sealed class RowBinaryWriter(int capacity = 4096)
{
    // Written in place: strings are encoded straight into the buffer (no byte[] per value), and
    // the rows are sent from it without a copy (WrittenMemory); a batch of events is tens of MB.
    private readonly ArrayBufferWriter<byte> _buffer = new(capacity);

    public void String(string? value)
    {
        value ??= string.Empty;
        var length = Encoding.UTF8.GetByteCount(value);
        VarUInt((ulong)length);
        var written = Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(written);
    }

    /// <summary>A string already in UTF-8 (the typed row, encoded in place by <see cref="RowCodec"/>).</summary>
    public void Utf8(ReadOnlySpan<byte> value)
    {
        VarUInt((ulong)value.Length);
        _buffer.Write(value);
    }

    public void Float64(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void StringArray(IReadOnlyList<string> items)
    {
        VarUInt((ulong)items.Count);
        foreach (var s in items)
        {
            String(s);
        }
    }

    public void VarUInt(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    /// <summary>The rows written, without a copy (valid until the next write).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}

/// <summary>Reads RowBinary from a response stream; <see cref="AtEnd"/> before each row.</summary>
internal sealed class RowBinaryReader(Stream stream)
{
    private readonly BufferedStream _in = new(stream, 1 << 16);
    private byte[] _bytes = new byte[256];

    public bool AtEnd()
    {
        var b = _in.ReadByte();
        if (b < 0)
        {
            return true;
        }

        _pending = b;
        return false;
    }

    private int _pending = -1;

    private int Next()
    {
        if (_pending >= 0)
        {
            var p = _pending;
            _pending = -1;
            return p;
        }

        var b = _in.ReadByte();
        return b >= 0 ? b : throw new EndOfStreamException("ClickHouse's answer ended inside a row");
    }

    public ulong VarUInt()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Next();
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("a RowBinary length longer than 64 bits");
    }

    public string String()
    {
        var length = checked((int)VarUInt());
        if (_bytes.Length < length)
        {
            _bytes = new byte[Math.Max(length, _bytes.Length * 2)];
        }

        Fill(_bytes.AsSpan(0, length));
        return Encoding.UTF8.GetString(_bytes, 0, length);
    }

    public byte Byte() => (byte)Next();

    public double Float64()
    {
        Span<byte> b = stackalloc byte[8];
        Fill(b);
        return BinaryPrimitives.ReadDoubleLittleEndian(b);
    }

    public ulong UInt64()
    {
        Span<byte> b = stackalloc byte[8];
        Fill(b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    public uint UInt32()
    {
        Span<byte> b = stackalloc byte[4];
        Fill(b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    public int Int32()
    {
        Span<byte> b = stackalloc byte[4];
        Fill(b);
        return BinaryPrimitives.ReadInt32LittleEndian(b);
    }

    private void Fill(Span<byte> target)
    {
        var i = 0;
        if (_pending >= 0 && target.Length > 0)
        {
            target[0] = (byte)Next();
            i = 1;
        }

        while (i < target.Length)
        {
            var n = _in.Read(target[i..]);
            if (n == 0)
            {
                throw new EndOfStreamException("ClickHouse's answer ended inside a row");
            }

            i += n;
        }
    }
}
