using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Escudo.Ingest.Evtx;

/// <summary>Binary XML value types (the low 7 bits; 0x80 marks an array).</summary>
internal static class EvtxValueType
{
    public const byte Null = 0x00;
    public const byte String = 0x01;
    public const byte AnsiString = 0x02;
    public const byte Int8 = 0x03;
    public const byte UInt8 = 0x04;
    public const byte Int16 = 0x05;
    public const byte UInt16 = 0x06;
    public const byte Int32 = 0x07;
    public const byte UInt32 = 0x08;
    public const byte Int64 = 0x09;
    public const byte UInt64 = 0x0a;
    public const byte Real32 = 0x0b;
    public const byte Real64 = 0x0c;
    public const byte Bool = 0x0d;
    public const byte Binary = 0x0e;
    public const byte Guid = 0x0f;
    public const byte SizeT = 0x10;
    public const byte FileTime = 0x11;
    public const byte SystemTime = 0x12;
    public const byte Sid = 0x13;
    public const byte HexInt32 = 0x14;
    public const byte HexInt64 = 0x15;
    public const byte EvtHandle = 0x20;
    public const byte BinXml = 0x21;
    public const byte EvtXml = 0x23;
    public const byte ArrayFlag = 0x80;

    /// <summary>Fixed element size of a type, or 0 when it is variable (strings, binary, SID, ...).</summary>
    public static int FixedSize(byte type) => type switch
    {
        Int8 or UInt8 => 1,
        Int16 or UInt16 => 2,
        Int32 or UInt32 or Real32 or Bool or HexInt32 => 4,
        Int64 or UInt64 or Real64 or FileTime or HexInt64 => 8,
        Guid or SystemTime => 16,
        _ => 0,
    };
}

/// <summary>
/// Renders binary XML values as Windows renders them in event XML (the style Splunk's
/// XmlWinEventLog shows): decimal integers, unpadded lower-case hex for HexInt, upper-case
/// braced GUIDs, S-1-... SIDs, ISO times with 9 fraction digits, upper-case hex for binary.
/// </summary>
internal static class EvtxValues
{
    private static readonly SearchValues<char> TextSpecials = SearchValues.Create("&<>");
    private static readonly SearchValues<char> AttrSpecials = SearchValues.Create("&<>'\"");
    private static readonly SearchValues<char> TextSpecialsOrNul = SearchValues.Create("\0&<>");
    private static readonly SearchValues<char> AttrSpecialsOrNul = SearchValues.Create("\0&<>'\"");
    private const string HexUpper = "0123456789ABCDEF";
    private const string HexLower = "0123456789abcdef";
    private const long FileTimeEpochTicks = 504911232000000000; // 1601-01-01 in DateTime ticks

    /// <summary>Appends text, XML-escaped for element content or for a single-quoted attribute.</summary>
    public static void AppendEscaped(CharBuilder sb, ReadOnlySpan<char> s, bool attribute)
    {
        var specials = attribute ? AttrSpecials : TextSpecials;
        while (true)
        {
            var i = s.IndexOfAny(specials);
            if (i < 0)
            {
                sb.Append(s);
                return;
            }

            sb.Append(s[..i]);
            sb.Append(Entity(s[i]));
            s = s[(i + 1)..];
        }
    }

    /// <summary>
    /// <see cref="Utf16"/> then <see cref="AppendEscaped"/> in one pass: string values are most of
    /// an event's text, and one search finds both the end (a NUL) and the characters to escape.
    /// </summary>
    public static void AppendUtf16Escaped(CharBuilder sb, ReadOnlySpan<byte> bytes, bool attribute)
    {
        if (!BitConverter.IsLittleEndian)
        {
            AppendEscaped(sb, Utf16(bytes), attribute);
            return;
        }

        var s = MemoryMarshal.Cast<byte, char>(bytes[..(bytes.Length & ~1)]);
        var specials = attribute ? AttrSpecialsOrNul : TextSpecialsOrNul;
        while (true)
        {
            var i = s.IndexOfAny(specials);
            if (i < 0)
            {
                sb.Append(s);
                return;
            }

            sb.Append(s[..i]);
            if (s[i] == '\0')
            {
                return;
            }

            sb.Append(Entity(s[i]));
            s = s[(i + 1)..];
        }
    }

    /// <summary>The XML entity for one of the characters either escaping replaces.</summary>
    private static string Entity(char c) => c switch
    {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '\'' => "&apos;",
        _ => "&quot;",
    };

    /// <summary>UTF-16LE bytes to chars, cut at the first NUL (Windows stops there too).</summary>
    public static ReadOnlySpan<char> Utf16(ReadOnlySpan<byte> bytes)
    {
        var chars = MemoryMarshal.Cast<byte, char>(bytes[..(bytes.Length & ~1)]);
        if (!BitConverter.IsLittleEndian)
        {
            return Encoding.Unicode.GetString(bytes[..(bytes.Length & ~1)]).AsSpan().TrimEnd('\0');
        }

        var nul = chars.IndexOf('\0');
        return nul >= 0 ? chars[..nul] : chars;
    }

    /// <summary>
    /// Appends one value. Arrays (type | 0x80) are rendered with their items separated by ", ".
    /// Returns false for types this renderer does not know (caller decides what to do).
    /// Nested binary XML (0x21) is not handled here.
    /// </summary>
    public static bool Append(CharBuilder sb, byte type, ReadOnlySpan<byte> v, bool attribute)
    {
        if ((type & EvtxValueType.ArrayFlag) != 0)
        {
            AppendArray(sb, (byte)(type & 0x7f), v, attribute);
            return true;
        }

        switch (type)
        {
            case EvtxValueType.Null:
                return true;
            case EvtxValueType.String:
                AppendUtf16Escaped(sb, v, attribute);
                return true;
            case EvtxValueType.AnsiString:
                AppendAnsi(sb, v, attribute);
                return true;

            case EvtxValueType.Int8 when v.Length >= 1:
                AppendSigned(sb, (sbyte)v[0]);
                return true;
            case EvtxValueType.UInt8 when v.Length >= 1:
                AppendDecimal(sb, v[0]);
                return true;
            case EvtxValueType.Int16 when v.Length >= 2:
                AppendSigned(sb, BinaryPrimitives.ReadInt16LittleEndian(v));
                return true;
            case EvtxValueType.UInt16 when v.Length >= 2:
                AppendDecimal(sb, BinaryPrimitives.ReadUInt16LittleEndian(v));
                return true;
            case EvtxValueType.Int32 when v.Length >= 4:
                AppendSigned(sb, BinaryPrimitives.ReadInt32LittleEndian(v));
                return true;
            case EvtxValueType.UInt32 when v.Length >= 4:
                AppendDecimal(sb, BinaryPrimitives.ReadUInt32LittleEndian(v));
                return true;
            case EvtxValueType.Int64 when v.Length >= 8:
                AppendSigned(sb, BinaryPrimitives.ReadInt64LittleEndian(v));
                return true;
            case EvtxValueType.UInt64 when v.Length >= 8:
                AppendDecimal(sb, BinaryPrimitives.ReadUInt64LittleEndian(v));
                return true;
            case EvtxValueType.Real32 when v.Length >= 4:
                sb.Append(BinaryPrimitives.ReadSingleLittleEndian(v).ToString("R", CultureInfo.InvariantCulture));
                return true;
            case EvtxValueType.Real64 when v.Length >= 8:
                sb.Append(BinaryPrimitives.ReadDoubleLittleEndian(v).ToString("R", CultureInfo.InvariantCulture));
                return true;
            case EvtxValueType.Bool when v.Length >= 1:
                // Windows writes a 32-bit BOOL; some writers use other widths or values (any non-zero is true).
                sb.Append(v.IndexOfAnyExcept((byte)0) >= 0 ? "true" : "false");
                return true;

            case EvtxValueType.Binary:
            case EvtxValueType.EvtXml:
                AppendHexUpper(sb, v);
                return true;
            case EvtxValueType.Guid when v.Length >= 16:
                AppendGuid(sb, v);
                return true;
            case EvtxValueType.SizeT when v.Length == 4:
                AppendHex(sb, BinaryPrimitives.ReadUInt32LittleEndian(v));
                return true;
            case EvtxValueType.SizeT when v.Length >= 8:
                AppendHex(sb, BinaryPrimitives.ReadUInt64LittleEndian(v));
                return true;
            case EvtxValueType.FileTime when v.Length >= 8:
                AppendFileTime(sb, BinaryPrimitives.ReadUInt64LittleEndian(v));
                return true;
            case EvtxValueType.SystemTime when v.Length >= 16:
                AppendSystemTime(sb, v);
                return true;
            case EvtxValueType.Sid:
                AppendSid(sb, v);
                return true;
            case EvtxValueType.HexInt32 when v.Length >= 4:
                AppendHex(sb, BinaryPrimitives.ReadUInt32LittleEndian(v));
                return true;
            case EvtxValueType.HexInt64 when v.Length >= 8:
                AppendHex(sb, BinaryPrimitives.ReadUInt64LittleEndian(v));
                return true;
            case EvtxValueType.EvtHandle when v.Length == 4:
                AppendDecimal(sb, BinaryPrimitives.ReadUInt32LittleEndian(v));
                return true;
            case EvtxValueType.EvtHandle when v.Length >= 8:
                AppendDecimal(sb, BinaryPrimitives.ReadUInt64LittleEndian(v));
                return true;
            default:
                // Unknown type or a fixed-size value with too few bytes: show the raw bytes.
                if (v.Length == 0)
                {
                    return true;
                }

                AppendHexUpper(sb, v);
                return EvtxValueType.FixedSize(type) > 0;
        }
    }

    /// <summary>An ANSI string up to its NUL, read as Latin-1.</summary>
    private static void AppendAnsi(CharBuilder sb, ReadOnlySpan<byte> v, bool attribute)
    {
        var nul = v.IndexOf((byte)0);
        AppendEscaped(sb, Encoding.Latin1.GetString(nul >= 0 ? v[..nul] : v), attribute);
    }

    private static void AppendArray(CharBuilder sb, byte type, ReadOnlySpan<byte> v, bool attribute)
    {
        var first = true;
        if (type == EvtxValueType.String)
        {
            // NUL-terminated UTF-16 strings back to back.
            var chars = MemoryMarshal.Cast<byte, char>(v[..(v.Length & ~1)]);
            while (!chars.IsEmpty)
            {
                var nul = chars.IndexOf('\0');
                var item = nul >= 0 ? chars[..nul] : chars;
                if (!first)
                {
                    sb.Append(", ");
                }

                first = false;
                AppendEscaped(sb, item, attribute);
                chars = nul >= 0 ? chars[(nul + 1)..] : [];
            }

            return;
        }

        if (type == EvtxValueType.AnsiString)
        {
            while (!v.IsEmpty)
            {
                var nul = v.IndexOf((byte)0);
                var item = nul >= 0 ? v[..nul] : v;
                if (!first)
                {
                    sb.Append(", ");
                }

                first = false;
                AppendEscaped(sb, Encoding.Latin1.GetString(item), attribute);
                v = nul >= 0 ? v[(nul + 1)..] : [];
            }

            return;
        }

        var size = type == EvtxValueType.SizeT ? (v.Length % 8 == 0 ? 8 : 4) : EvtxValueType.FixedSize(type);
        if (type == EvtxValueType.Sid)
        {
            while (v.Length >= 8)
            {
                var len = 8 + (4 * v[1]);
                if (len > v.Length)
                {
                    break;
                }

                if (!first)
                {
                    sb.Append(", ");
                }

                first = false;
                AppendSid(sb, v[..len]);
                v = v[len..];
            }

            return;
        }

        if (size == 0)
        {
            AppendHexUpper(sb, v);
            return;
        }

        for (var i = 0; i + size <= v.Length; i += size)
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            Append(sb, type, v.Slice(i, size), attribute);
        }
    }

    public static void AppendHexUpper(CharBuilder sb, ReadOnlySpan<byte> v)
    {
        var buf = sb.AppendSpan(2 * v.Length);
        for (var i = 0; i < v.Length; i++)
        {
            buf[2 * i] = HexUpper[v[i] >> 4];
            buf[(2 * i) + 1] = HexUpper[v[i] & 0xf];
        }
    }

    /// <summary>0x followed by lower-case hex without padding (0x0 for zero), as Windows renders HexInt.</summary>
    public static void AppendHex(CharBuilder sb, ulong value)
    {
        var digits = Math.Max(1, (67 - BitOperations.LeadingZeroCount(value)) / 4);
        var buf = sb.AppendSpan(digits + 2);
        buf[0] = '0';
        buf[1] = 'x';
        for (var i = digits + 1; i >= 2; i--)
        {
            buf[i] = HexLower[(int)(value & 0xf)];
            value >>= 4;
        }
    }

    /// <summary>Unsigned decimal, written here rather than through the culture-aware formatting (integers are most values).</summary>
    public static void AppendDecimal(CharBuilder sb, ulong value)
    {
        if (value < 10)
        {
            sb.Append((char)('0' + (int)value));
            return;
        }

        // Digit count from the bit length (log10 2 ~ 1233/4096), corrected by one comparison.
        var estimate = (int)((uint)(64 - BitOperations.LeadingZeroCount(value)) * 1233 >> 12);
        var digits = estimate + (value >= PowersOf10[estimate] ? 1 : 0);
        var buf = sb.AppendSpan(digits);
        for (var i = buf.Length - 1; i > 0; i--)
        {
            var q = value / 10;
            buf[i] = (char)('0' + (int)(value - (q * 10)));
            value = q;
        }

        buf[0] = (char)('0' + (int)value);
    }

    private static ReadOnlySpan<ulong> PowersOf10 =>
    [
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000,
        100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
        10000000000000000, 100000000000000000, 1000000000000000000, 10000000000000000000,
    ];

    /// <summary>Signed decimal with an ASCII minus sign, as Windows writes it whatever the culture.</summary>
    public static void AppendSigned(CharBuilder sb, long value)
    {
        if (value < 0)
        {
            sb.Append('-');
            AppendDecimal(sb, (ulong)(-(value + 1)) + 1);
            return;
        }

        AppendDecimal(sb, (ulong)value);
    }

    /// <summary>Upper-case braced GUID ({5770385F-C22A-43E0-BF4C-06F5698FFBD9}): the first three fields little-endian, the rest in byte order.</summary>
    public static void AppendGuid(CharBuilder sb, ReadOnlySpan<byte> v)
    {
        var buf = sb.AppendSpan(38);
        buf[0] = '{';
        WriteHex(buf.Slice(1, 8), BinaryPrimitives.ReadUInt32LittleEndian(v));
        buf[9] = '-';
        WriteHex(buf.Slice(10, 4), BinaryPrimitives.ReadUInt16LittleEndian(v[4..]));
        buf[14] = '-';
        WriteHex(buf.Slice(15, 4), BinaryPrimitives.ReadUInt16LittleEndian(v[6..]));
        buf[19] = '-';
        WriteHex(buf.Slice(20, 4), BinaryPrimitives.ReadUInt16BigEndian(v[8..]));
        buf[24] = '-';
        WriteHex(buf.Slice(25, 12), BinaryPrimitives.ReadUInt64BigEndian(v[8..]) & 0xFFFFFFFFFFFF);
        buf[37] = '}';
    }

    /// <summary>Fills <paramref name="buf"/> with the low digits of <paramref name="value"/> in upper-case hex, zero-padded.</summary>
    private static void WriteHex(Span<char> buf, ulong value)
    {
        for (var i = buf.Length - 1; i >= 0; i--)
        {
            buf[i] = HexUpper[(int)(value & 0xf)];
            value >>= 4;
        }
    }

    /// <summary>Writes <paramref name="value"/> as exactly buf.Length decimal digits.</summary>
    private static void WriteDigits(Span<char> buf, long value)
    {
        for (var i = buf.Length - 1; i >= 0; i--)
        {
            var q = value / 10;
            buf[i] = (char)('0' + (int)(value - (q * 10)));
            value = q;
        }
    }

    /// <summary>FILETIME (100 ns ticks since 1601) as 2020-10-08T11:03:46.617920300Z; raw number when out of range.</summary>
    public static void AppendFileTime(CharBuilder sb, ulong fileTime)
    {
        if (fileTime > (ulong)(DateTime.MaxValue.Ticks - FileTimeEpochTicks))
        {
            AppendDecimal(sb, fileTime);
            return;
        }

        var ticks = (long)fileTime + FileTimeEpochTicks;
        var (year, month, day) = new DateTime(ticks, DateTimeKind.Utc);
        var timeOfDay = ticks % TimeSpan.TicksPerDay;
        var seconds = timeOfDay / TimeSpan.TicksPerSecond;
        var buf = sb.AppendSpan(30);
        WriteDigits(buf[..4], year);
        buf[4] = '-';
        WriteDigits(buf.Slice(5, 2), month);
        buf[7] = '-';
        WriteDigits(buf.Slice(8, 2), day);
        buf[10] = 'T';
        WriteDigits(buf.Slice(11, 2), seconds / 3600);
        buf[13] = ':';
        WriteDigits(buf.Slice(14, 2), seconds / 60 % 60);
        buf[16] = ':';
        WriteDigits(buf.Slice(17, 2), seconds % 60);
        buf[19] = '.';
        WriteDigits(buf.Slice(20, 7), timeOfDay % TimeSpan.TicksPerSecond);
        buf[27] = '0';
        buf[28] = '0';
        buf[29] = 'Z';
    }

    public static DateTime FileTimeToDateTime(ulong fileTime) =>
        fileTime > (ulong)(DateTime.MaxValue.Ticks - FileTimeEpochTicks)
            ? DateTime.MinValue
            : new DateTime((long)fileTime + FileTimeEpochTicks, DateTimeKind.Utc);

    /// <summary>SYSTEMTIME (year, month, day-of-week, day, hour, minute, second, milliseconds as u16).</summary>
    public static void AppendSystemTime(CharBuilder sb, ReadOnlySpan<byte> v)
    {
        Span<int> f = stackalloc int[8];
        for (var i = 0; i < 8; i++)
        {
            f[i] = BinaryPrimitives.ReadUInt16LittleEndian(v[(2 * i)..]);
        }

        sb.Append(string.Create(CultureInfo.InvariantCulture, $"{f[0]:D4}-{f[1]:D2}-{f[3]:D2}T{f[4]:D2}:{f[5]:D2}:{f[6]:D2}.{f[7]:D3}000000Z"));
    }

    /// <summary>SID: revision, sub-authority count, 48-bit big-endian authority, 32-bit LE sub-authorities.</summary>
    public static void AppendSid(CharBuilder sb, ReadOnlySpan<byte> v)
    {
        if (v.Length < 8)
        {
            AppendHexUpper(sb, v);
            return;
        }

        var count = v[1];
        ulong authority = 0;
        for (var i = 2; i < 8; i++)
        {
            authority = (authority << 8) | v[i];
        }

        sb.Append("S-");
        AppendDecimal(sb, v[0]);
        sb.Append('-');
        if (authority >= 1UL << 32)
        {
            AppendHex(sb, authority);
        }
        else
        {
            AppendDecimal(sb, authority);
        }

        for (var i = 0; i < count && 8 + (4 * i) + 4 <= v.Length; i++)
        {
            sb.Append('-');
            AppendDecimal(sb, BinaryPrimitives.ReadUInt32LittleEndian(v[(8 + (4 * i))..]));
        }
    }
}
