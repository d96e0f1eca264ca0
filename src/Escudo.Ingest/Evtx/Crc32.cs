using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    // Folding constants for the reflected polynomial (Intel, "Fast CRC Computation for Generic
    // Polynomials Using PCLMULQDQ"): x^(4*128+32), x^(4*128-32) for 64-byte steps and
    // x^(128+32), x^(128-32) for 16-byte steps, each mod P and bit-reflected.
    private const ulong Fold4Low = 0x154442bd4;
    private const ulong Fold4High = 0x1c6e41596;
    private const ulong Fold1Low = 0x1751997d0;
    private const ulong Fold1High = 0x0ccaa009e;

    // x^(16*128+32), x^(16*128-32): 256-byte steps, four 512-bit registers at a time.
    private const ulong Fold16Low = 0x11542778a;
    private const ulong Fold16High = 0x1322d1430;

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = ~crc;
        if (Pclmulqdq.IsSupported && BitConverter.IsLittleEndian && data.Length >= 64)
        {
            // Every chunk's records area (up to 64 KiB) is checksummed, so this runs over the whole
            // file; carry-less multiplication folds 64 bytes a step instead of 8.
            var folded = Fold(ref state, data);
            data = data[folded..];
        }

        return ~Update(state, data);
    }

    /// <summary>
    /// Folds the data 64 then 16 bytes at a time into one 128-bit remainder with the same CRC as
    /// the bytes it stands for, then runs that remainder through the table. Returns how many
    /// bytes of <paramref name="data"/> were consumed (a multiple of 16).
    /// </summary>
    private static int Fold(ref uint state, ReadOnlySpan<byte> data)
    {
        ref var d = ref MemoryMarshal.GetReference(data);
        var fold4 = Vector128.Create(Fold4Low, Fold4High);
        var fold1 = Vector128.Create(Fold1Low, Fold1High);
        Vector128<ulong> x0, x1, x2, x3;
        int pos;
        if (Pclmulqdq.V512.IsSupported && data.Length >= 256)
        {
            // The same folding four times wider: each 512-bit register holds four 128-bit
            // remainders, so a step takes 256 bytes, then they fold into one register as below.
            var fold16Wide = Vector512.Create(Fold16Low, Fold16High, Fold16Low, Fold16High, Fold16Low, Fold16High, Fold16Low, Fold16High);
            var fold4Wide = Vector512.Create(Fold4Low, Fold4High, Fold4Low, Fold4High, Fold4Low, Fold4High, Fold4Low, Fold4High);
            var y0 = Vector512.LoadUnsafe(ref d, 0).AsUInt64() ^ Vector512.CreateScalar(state).AsUInt64();
            var y1 = Vector512.LoadUnsafe(ref d, 64).AsUInt64();
            var y2 = Vector512.LoadUnsafe(ref d, 128).AsUInt64();
            var y3 = Vector512.LoadUnsafe(ref d, 192).AsUInt64();
            pos = 256;
            for (; pos + 256 <= data.Length; pos += 256)
            {
                y0 = FoldStep(y0, fold16Wide) ^ Vector512.LoadUnsafe(ref d, (nuint)pos).AsUInt64();
                y1 = FoldStep(y1, fold16Wide) ^ Vector512.LoadUnsafe(ref d, (nuint)pos + 64).AsUInt64();
                y2 = FoldStep(y2, fold16Wide) ^ Vector512.LoadUnsafe(ref d, (nuint)pos + 128).AsUInt64();
                y3 = FoldStep(y3, fold16Wide) ^ Vector512.LoadUnsafe(ref d, (nuint)pos + 192).AsUInt64();
            }

            var y = FoldStep(y0, fold4Wide) ^ y1;
            y = FoldStep(y, fold4Wide) ^ y2;
            y = FoldStep(y, fold4Wide) ^ y3;
            for (; pos + 64 <= data.Length; pos += 64)
            {
                y = FoldStep(y, fold4Wide) ^ Vector512.LoadUnsafe(ref d, (nuint)pos).AsUInt64();
            }

            x0 = y.GetLower().GetLower();
            x1 = y.GetLower().GetUpper();
            x2 = y.GetUpper().GetLower();
            x3 = y.GetUpper().GetUpper();
        }
        else
        {
            x0 = Vector128.LoadUnsafe(ref d, 0).AsUInt64() ^ Vector128.CreateScalar(state).AsUInt64();
            x1 = Vector128.LoadUnsafe(ref d, 16).AsUInt64();
            x2 = Vector128.LoadUnsafe(ref d, 32).AsUInt64();
            x3 = Vector128.LoadUnsafe(ref d, 48).AsUInt64();
            pos = 64;
            for (; pos + 64 <= data.Length; pos += 64)
            {
                x0 = FoldStep(x0, fold4) ^ Vector128.LoadUnsafe(ref d, (nuint)pos).AsUInt64();
                x1 = FoldStep(x1, fold4) ^ Vector128.LoadUnsafe(ref d, (nuint)pos + 16).AsUInt64();
                x2 = FoldStep(x2, fold4) ^ Vector128.LoadUnsafe(ref d, (nuint)pos + 32).AsUInt64();
                x3 = FoldStep(x3, fold4) ^ Vector128.LoadUnsafe(ref d, (nuint)pos + 48).AsUInt64();
            }
        }

        var x = FoldStep(x0, fold1) ^ x1;
        x = FoldStep(x, fold1) ^ x2;
        x = FoldStep(x, fold1) ^ x3;
        for (; pos + 16 <= data.Length; pos += 16)
        {
            x = FoldStep(x, fold1) ^ Vector128.LoadUnsafe(ref d, (nuint)pos).AsUInt64();
        }

        Span<byte> remainder = stackalloc byte[16];
        x.AsByte().CopyTo(remainder);
        state = Update(0, remainder);
        return pos;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> FoldStep(Vector128<ulong> x, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, k, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> FoldStep(Vector512<ulong> x, Vector512<ulong> k) =>
        Pclmulqdq.V512.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x, k, 0x11);

    /// <summary>Table-driven update of the raw (not inverted) CRC state, slicing by 8.</summary>
    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        // Table and data are read through refs to drop the per-byte bounds checks; every index is
        // a byte plus a slice base below 2048, inside the table.
        ref var t = ref MemoryMarshal.GetArrayDataReference(Table);
        ref var d = ref MemoryMarshal.GetReference(data);
        var i = 0;
        var length = data.Length;
        for (; i + 8 <= length; i += 8)
        {
            var word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i));
            if (!BitConverter.IsLittleEndian)
            {
                word = BinaryPrimitives.ReverseEndianness(word);
            }

            var lo = crc ^ (uint)word;
            var hi = (uint)(word >> 32);
            crc = Unsafe.Add(ref t, 1792 + (int)(lo & 0xff)) ^ Unsafe.Add(ref t, 1536 + (int)((lo >> 8) & 0xff))
                ^ Unsafe.Add(ref t, 1280 + (int)((lo >> 16) & 0xff)) ^ Unsafe.Add(ref t, 1024 + (int)(lo >> 24))
                ^ Unsafe.Add(ref t, 768 + (int)(hi & 0xff)) ^ Unsafe.Add(ref t, 512 + (int)((hi >> 8) & 0xff))
                ^ Unsafe.Add(ref t, 256 + (int)((hi >> 16) & 0xff)) ^ Unsafe.Add(ref t, (int)(hi >> 24));
        }

        for (; i < length; i++)
        {
            crc = Unsafe.Add(ref t, (int)((crc ^ Unsafe.Add(ref d, i)) & 0xff)) ^ (crc >> 8);
        }

        return crc;
    }

    /// <summary>The table-only path, kept callable so tests can check the folded path against it.</summary>
    internal static uint AppendScalar(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);
}
