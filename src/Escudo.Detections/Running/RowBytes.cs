using Escudo.Core.Events;

namespace Escudo.Detections.Running;

/// <summary>
/// An estimate of the managed bytes one row holds, for the memory bounds that count bytes rather
/// than rows (the hunt's read-ahead, the kept rows): each string field its UTF-16 characters
/// and the string's header, every field its id and value slot. Strings shared between fields
/// (interned names, the same value twice) are counted each time, so the estimate errs high.
/// </summary>
internal static class RowBytes
{
    /// <summary>The row object, its id and value arrays' headers.</summary>
    private const long RowOverhead = 112;

    /// <summary>An int id and a 24-byte value slot.</summary>
    private const long FieldOverhead = 28;

    /// <summary>A string's object header and length.</summary>
    private const long StringOverhead = 24;

    public static long Estimate(Row row)
    {
        var bytes = RowOverhead;
        for (var i = 0; i < row.Count; i++)
        {
            bytes += FieldOverhead;
            if (row.ValueAt(i).RawString is { } s)
            {
                bytes += StringOverhead + 2L * s.Length;
            }
        }

        return bytes;
    }
}
