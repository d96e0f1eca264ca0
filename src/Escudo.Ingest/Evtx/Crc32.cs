namespace Escudo.Ingest.Evtx;

/// <summary>CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), slicing by 8.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Build();

    private static uint[] Build()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            t[i] = c;
        }

        for (var i = 0; i < 256; i++)
        {
            for (var s = 1; s < 8; s++)
            {
                var prev = t[((s - 1) * 256) + i];
                t[(s * 256) + i] = (prev >> 8) ^ t[prev & 0xff];
            }
        }

        return t;
    }

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var t = Table;
        crc = ~crc;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            var lo = crc ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            var hi = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            crc = t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >> 8) & 0xff)] ^ t[1280 + ((lo >> 16) & 0xff)] ^ t[1024 + (lo >> 24)]
                ^ t[768 + (hi & 0xff)] ^ t[512 + ((hi >> 8) & 0xff)] ^ t[256 + ((hi >> 16) & 0xff)] ^ t[hi >> 24];
        }

        for (; i < data.Length; i++)
        {
            crc = t[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
        }

        return ~crc;
    }

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);
}
