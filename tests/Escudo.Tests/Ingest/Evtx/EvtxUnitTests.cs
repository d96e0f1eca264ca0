using System.Buffers.Binary;
using System.Text;
using Escudo.Ingest.Evtx;

namespace Escudo.Tests.Ingest.Evtx;

public class EvtxCursorTests
{
    [Fact]
    public void EvtxCursorReadsLittleEndianAndStopsAtTheEnd()
    {
        byte[] data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        var c = new EvtxCursor(data, 0, 7);
        Assert.Equal(1, c.U8("a"));
        Assert.Equal(0x0302, c.U16("b"));
        Assert.Equal(0x07060504u, c.U32("c"));
        Assert.True(c.AtEnd);
        var position = c.Position;
        var e = ReadPastEnd(data);
        Assert.Equal("the field", e.What);
        Assert.Equal(6, e.Offset);
        Assert.Equal(7, position);
    }

    private static EvtxFormatException ReadPastEnd(byte[] data)
    {
        try
        {
            var c = new EvtxCursor(data, 6, 8);
            c.U32("the field");
        }
        catch (EvtxFormatException e)
        {
            return e;
        }

        throw new InvalidOperationException("no exception");
    }

    [Fact]
    public void EvtxCursorRejectsRangesOutsideTheBuffer()
    {
        Assert.Throws<EvtxFormatException>(() => new EvtxCursor(new byte[4], 2, 8));
        Assert.Throws<EvtxFormatException>(() =>
        {
            var c = new EvtxCursor(new byte[4]);
            c.Bytes(-1, "negative");
        });
        Assert.Throws<EvtxFormatException>(() =>
        {
            var c = new EvtxCursor(new byte[4]);
            c.Seek(5, "seek");
        });
    }
}

public class EvtxCharBuilderTests
{
    [Fact]
    public void EvtxCharBuilderAppendsEveryLengthExactly()
    {
        // Short appends take a copy path of their own (two overlapping moves); every length and
        // offset must come out exactly, growing the array as it goes.
        var text = string.Concat(Enumerable.Range(0, 100).Select(i => (char)('a' + (i % 26))));
        var sb = new CharBuilder(3);
        var expected = new StringBuilder();
        for (var offset = 0; offset < 5; offset++)
        {
            for (var length = 0; length <= 40; length++)
            {
                sb.Append(text.AsSpan(offset, length)).Append('|');
                expected.Append(text, offset, length).Append('|');
            }
        }

        Assert.Equal(expected.ToString(), sb.ToString());
        sb.Length = 5;
        Assert.Equal(expected.ToString(0, 5), sb.ToString());
    }
}

public class EvtxValueTests
{
    private static string Render(byte type, byte[] bytes, bool attribute = false)
    {
        var sb = new CharBuilder(4);
        EvtxValues.Append(sb, type, bytes, attribute);
        return sb.ToString();
    }

    private static byte[] U16(params ushort[] v)
    {
        var b = new byte[v.Length * 2];
        for (var i = 0; i < v.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), v[i]);
        }

        return b;
    }

    [Fact]
    public void EvtxSidRendersAsSddlString()
    {
        byte[] system = [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0];
        Assert.Equal("S-1-5-18", Render(EvtxValueType.Sid, system));
        var domain = new byte[8 + 20];
        domain[0] = 1;
        domain[1] = 5;
        domain[7] = 5;
        uint[] subs = [21, 2059343465, 2300599999, 2417073716, 500];
        for (var i = 0; i < subs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(domain.AsSpan(8 + (4 * i)), subs[i]);
        }

        Assert.Equal("S-1-5-21-2059343465-2300599999-2417073716-500", Render(EvtxValueType.Sid, domain));
    }

    [Fact]
    public void EvtxGuidRendersUpperCaseInBraces()
    {
        var g = Guid.Parse("5770385f-c22a-43e0-bf4c-06f5698ffbd9");
        Assert.Equal("{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", Render(EvtxValueType.Guid, g.ToByteArray()));
    }

    [Fact]
    public void EvtxFileTimeRendersNineFractionDigits()
    {
        var t = new DateTime(2020, 10, 8, 11, 3, 46, DateTimeKind.Utc).AddTicks(6179203);
        var ft = BitConverter.GetBytes((ulong)t.ToFileTimeUtc());
        Assert.Equal("2020-10-08T11:03:46.617920300Z", Render(EvtxValueType.FileTime, ft));
        Assert.Equal("1601-01-01T00:00:00.000000000Z", Render(EvtxValueType.FileTime, new byte[8]));
        Assert.Equal(t, EvtxValues.FileTimeToDateTime((ulong)t.ToFileTimeUtc()));
    }

    [Fact]
    public void EvtxSystemTimeRendersMilliseconds()
    {
        var st = U16(2019, 3, 6, 9, 7, 23, 5, 123);
        Assert.Equal("2019-03-09T07:23:05.123000000Z", Render(EvtxValueType.SystemTime, st));
    }

    [Fact]
    public void EvtxHexIntegersAreUnpaddedLowerCase()
    {
        Assert.Equal("0x342ba", Render(EvtxValueType.HexInt64, BitConverter.GetBytes(0x342baUL)));
        Assert.Equal("0x8000000000000000", Render(EvtxValueType.HexInt64, BitConverter.GetBytes(0x8000000000000000UL)));
        Assert.Equal("0x0", Render(EvtxValueType.HexInt32, new byte[4]));
        Assert.Equal("0x24c", Render(EvtxValueType.SizeT, BitConverter.GetBytes(0x24cUL)));
        Assert.Equal("0x24c", Render(EvtxValueType.SizeT, BitConverter.GetBytes(0x24cU)));
    }

    [Fact]
    public void EvtxIntegersBooleansAndBinary()
    {
        Assert.Equal("-2", Render(EvtxValueType.Int8, [0xfe]));
        Assert.Equal("254", Render(EvtxValueType.UInt8, [0xfe]));
        Assert.Equal("-1", Render(EvtxValueType.Int32, BitConverter.GetBytes(-1)));
        Assert.Equal("4294967295", Render(EvtxValueType.UInt32, BitConverter.GetBytes(uint.MaxValue)));
        Assert.Equal("18446744073709551615", Render(EvtxValueType.UInt64, BitConverter.GetBytes(ulong.MaxValue)));
        Assert.Equal("true", Render(EvtxValueType.Bool, BitConverter.GetBytes(1)));
        Assert.Equal("true", Render(EvtxValueType.Bool, BitConverter.GetBytes(0x100)));
        Assert.Equal("false", Render(EvtxValueType.Bool, new byte[4]));
        Assert.Equal("00FF1A", Render(EvtxValueType.Binary, [0, 255, 0x1a]));
        Assert.Equal("1.5", Render(EvtxValueType.Real64, BitConverter.GetBytes(1.5)));
    }

    [Fact]
    public void EvtxNumbersGuidsAndTimesAgreeWithInvariantFormattingForRandomValues()
    {
        // The renderer formats these itself; the framework's invariant formatting is the reference.
        var random = new Random(11);
        var v = new byte[16];
        for (var n = 0; n < 20000; n++)
        {
            random.NextBytes(v);

            // Small magnitudes too, where the digit count changes.
            if (n % 2 == 0)
            {
                v.AsSpan(1 + (n % 7)).Clear();
            }

            var inv = System.Globalization.CultureInfo.InvariantCulture;
            Assert.Equal(((sbyte)v[0]).ToString(inv), Render(EvtxValueType.Int8, v[..1]));
            Assert.Equal(v[0].ToString(inv), Render(EvtxValueType.UInt8, v[..1]));
            Assert.Equal(BinaryPrimitives.ReadInt16LittleEndian(v).ToString(inv), Render(EvtxValueType.Int16, v[..2]));
            Assert.Equal(BinaryPrimitives.ReadUInt16LittleEndian(v).ToString(inv), Render(EvtxValueType.UInt16, v[..2]));
            Assert.Equal(BinaryPrimitives.ReadInt32LittleEndian(v).ToString(inv), Render(EvtxValueType.Int32, v[..4]));
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(v).ToString(inv), Render(EvtxValueType.UInt32, v[..4]));
            Assert.Equal(BinaryPrimitives.ReadInt64LittleEndian(v).ToString(inv), Render(EvtxValueType.Int64, v[..8]));
            Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(v).ToString(inv), Render(EvtxValueType.UInt64, v[..8]));
            Assert.Equal("0x" + BinaryPrimitives.ReadUInt64LittleEndian(v).ToString("x", inv), Render(EvtxValueType.HexInt64, v[..8]));
            Assert.Equal("0x" + BinaryPrimitives.ReadUInt32LittleEndian(v).ToString("x", inv), Render(EvtxValueType.HexInt32, v[..4]));
            Assert.Equal(new Guid(v).ToString("B").ToUpperInvariant(), Render(EvtxValueType.Guid, v));
            var ticks = (long)(BinaryPrimitives.ReadUInt64LittleEndian(v) % (ulong)(DateTime.MaxValue.Ticks - new DateTime(1601, 1, 1).Ticks));
            var fileTime = BitConverter.GetBytes(ticks);
            var expected = new DateTime(ticks + new DateTime(1601, 1, 1).Ticks, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffffff", inv) + "00Z";
            Assert.Equal(expected, Render(EvtxValueType.FileTime, fileTime));
        }

        Assert.Equal(long.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture), Render(EvtxValueType.Int64, BitConverter.GetBytes(long.MinValue)));
        Assert.Equal("9999-12-31T23:59:59.999999900Z", Render(EvtxValueType.FileTime, BitConverter.GetBytes(DateTime.MaxValue.Ticks - new DateTime(1601, 1, 1).Ticks)));
    }

    [Fact]
    public void EvtxStringsAreEscapedAndCutAtNul()
    {
        var s = Encoding.Unicode.GetBytes("a<b>&'\"c\0junk");
        Assert.Equal("a&lt;b&gt;&amp;'\"c", Render(EvtxValueType.String, s));
        Assert.Equal("a&lt;b&gt;&amp;&apos;&quot;c", Render(EvtxValueType.String, s, attribute: true));
        Assert.Equal("caf\u00e9", Render(EvtxValueType.AnsiString, [0x63, 0x61, 0x66, 0xe9, 0]));
        Assert.Equal("&amp;", Render(EvtxValueType.String, Encoding.Unicode.GetBytes("&\0<")));
        Assert.Equal("", Render(EvtxValueType.String, Encoding.Unicode.GetBytes("\0&")));
        Assert.Equal("ab", Render(EvtxValueType.String, [0x61, 0, 0x62, 0, 0x63]));
    }

    [Fact]
    public void EvtxArraysJoinItems()
    {
        var strings = Encoding.Unicode.GetBytes("one\0two\0");
        Assert.Equal("one, two", Render(EvtxValueType.String | EvtxValueType.ArrayFlag, strings));
        var ints = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(ints, 7);
        BinaryPrimitives.WriteUInt32LittleEndian(ints.AsSpan(4), 9);
        Assert.Equal("7, 9", Render(EvtxValueType.UInt32 | EvtxValueType.ArrayFlag, ints));
        Assert.Equal("0x7, 0x9", Render(EvtxValueType.HexInt32 | EvtxValueType.ArrayFlag, ints));
    }

    [Fact]
    public void EvtxDoubleQuotedViewRewritesAttributeQuotesOnly()
    {
        Assert.Equal("<a b=\"x&apos;y\" c=\"&quot;\">it's</a>", EvtxQuotes.ToDoubleQuoted("<a b='x&apos;y' c='\"'>it's</a>"));
    }
}

/// <summary>Binary XML built by hand: templates, substitutions, optional and array values.</summary>
public class EvtxBinXmlTests
{
    private sealed class Builder
    {
        public readonly byte[] Chunk = new byte[EvtxFile.ChunkSize];
        public int Pos = EvtxFile.ChunkHeaderSize;

        public Builder U8(int v)
        {
            Chunk[Pos++] = (byte)v;
            return this;
        }

        public Builder U16(int v)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(Chunk.AsSpan(Pos), (ushort)v);
            Pos += 2;
            return this;
        }

        public Builder U32(uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(Chunk.AsSpan(Pos), v);
            Pos += 4;
            return this;
        }

        public Builder Raw(byte[] b)
        {
            b.CopyTo(Chunk, Pos);
            Pos += b.Length;
            return this;
        }

        public Builder Name(string name)
        {
            U32((uint)(Pos + 4)); // inline: the name follows
            U32(0).U16(0).U16(name.Length).Raw(Encoding.Unicode.GetBytes(name)).U16(0);
            return this;
        }

        public Builder Open(string name, bool attrs = false) => U8(attrs ? 0x41 : 0x01).U16(0xffff).U32(0).Name(name).Attrs(attrs);

        private Builder Attrs(bool attrs) => attrs ? U32(0) : this;

        public Builder Attr(string name) => U8(0x06).Name(name);

        public Builder Text(string s) => U8(0x05).U8(0x01).U16(s.Length).Raw(Encoding.Unicode.GetBytes(s));

        public Builder Sub(int index, byte type, bool optional) => U8(optional ? 0x0e : 0x0d).U16(index).U8(type);
    }

    private static string RenderTemplate(Action<Builder> body, params (byte Type, byte[] Value)[] values)
    {
        var b = new Builder();
        var start = b.Pos;
        b.U8(0x0f).U8(1).U8(1).U8(0);
        b.U8(0x0c).U8(1).U32(1).U32((uint)(b.Pos + 4));
        b.U32(0).Raw(new byte[16]);
        var sizeAt = b.Pos;
        b.U32(0);
        var bodyStart = b.Pos;
        b.U8(0x0f).U8(1).U8(1).U8(0);
        body(b);
        b.U8(0x00);
        BinaryPrimitives.WriteUInt32LittleEndian(b.Chunk.AsSpan(sizeAt), (uint)(b.Pos - bodyStart));
        b.U32((uint)values.Length);
        foreach (var (type, value) in values)
        {
            b.U16(value.Length).U8(type).U8(0);
        }

        foreach (var (_, value) in values)
        {
            b.Raw(value);
        }

        b.U8(0x00);
        return new BinXmlRenderer().Render(b.Chunk, start, b.Pos);
    }

    /// <summary>
    /// A record with an inline template definition (GUID zero) placed after <paramref name="padding"/>
    /// bytes, rendered by <paramref name="renderer"/> as the first record of a new chunk.
    /// </summary>
    private static string RenderInChunk(BinXmlRenderer renderer, int padding, Action<Builder> body, Action<Builder>? before = null)
    {
        var b = new Builder();
        before?.Invoke(b);
        b.Pos = EvtxFile.ChunkHeaderSize + padding;
        var start = b.Pos;
        b.U8(0x0f).U8(1).U8(1).U8(0);
        b.U8(0x0c).U8(1).U32(1).U32((uint)(b.Pos + 4));
        b.U32(0).Raw(new byte[16]);
        var sizeAt = b.Pos;
        b.U32(0);
        var bodyStart = b.Pos;
        b.U8(0x0f).U8(1).U8(1).U8(0);
        body(b);
        b.U8(0x00);
        BinaryPrimitives.WriteUInt32LittleEndian(b.Chunk.AsSpan(sizeAt), (uint)(b.Pos - bodyStart));
        b.U32(0);
        b.U8(0x00);
        renderer.ResetChunk();
        return renderer.Render(b.Chunk, start, b.Pos);
    }

    [Fact]
    public void EvtxTemplatesReusedAcrossChunksOnlyWhenTheyReadTheSame()
    {
        // The same template GUID and size in later chunks, at other offsets: reused when the body
        // is the same, not when a name differs, inline or stored elsewhere in the chunk.
        var r = new BinXmlRenderer();
        Assert.Equal("<Data>x</Data>", RenderInChunk(r, 0, b => b.Open("Data").U8(0x02).Text("x").U8(0x04)));
        Assert.Equal("<Data>x</Data>", RenderInChunk(r, 100, b => b.Open("Data").U8(0x02).Text("x").U8(0x04)));
        Assert.Equal("<Dbta>x</Dbta>", RenderInChunk(r, 37, b => b.Open("Dbta").U8(0x02).Text("x").U8(0x04)));
        Assert.Equal("<Dbta>y</Dbta>", RenderInChunk(r, 37, b => b.Open("Dbta").U8(0x02).Text("y").U8(0x04)));

        // A name stored before the record and referenced by offset from the template.
        const int NameAt = EvtxFile.ChunkHeaderSize;
        Action<Builder> Stored(string name) => b => b.U32(0).U16(0).U16(name.Length).Raw(Encoding.Unicode.GetBytes(name)).U16(0);
        Action<Builder> Referencing() => b => b.U8(0x01).U16(0xffff).U32(0).U32(NameAt).U8(0x02).Text("z").U8(0x04);
        Assert.Equal("<Abcd>z</Abcd>", RenderInChunk(r, 64, Referencing(), Stored("Abcd")));
        Assert.Equal("<Abcd>z</Abcd>", RenderInChunk(r, 80, Referencing(), Stored("Abcd")));
        Assert.Equal("<Wxyz>z</Wxyz>", RenderInChunk(r, 64, Referencing(), Stored("Wxyz")));
    }

    [Fact]
    public void EvtxTemplateSubstitutionsRenderInPlace()
    {
        var xml = RenderTemplate(
            b => b.Open("Event", attrs: true).Attr("Id").Sub(0, 8, optional: false).U8(0x02)
                .Open("Data").U8(0x02).Sub(1, 1, optional: false).U8(0x04)
                .Open("Empty").U8(0x03)
                .U8(0x04),
            (EvtxValueType.UInt32, BitConverter.GetBytes(42u)),
            (EvtxValueType.String, Encoding.Unicode.GetBytes("x&y")));
        Assert.Equal("<Event Id='42'><Data>x&amp;y</Data><Empty/></Event>", xml);
    }

    [Fact]
    public void EvtxOptionalEmptySubstitutionsDropAttributesAndElements()
    {
        var xml = RenderTemplate(
            b => b.Open("Event").U8(0x02)
                .Open("Correlation", attrs: true).Attr("ActivityID").Sub(0, 15, optional: true).U8(0x03)
                .Open("Binary").U8(0x02).Sub(1, 14, optional: true).U8(0x04)
                .Open("Data").U8(0x02).Sub(1, 1, optional: false).U8(0x04)
                .U8(0x04),
            (EvtxValueType.Null, []),
            (EvtxValueType.Binary, []));
        Assert.Equal("<Event><Correlation/><Data/></Event>", xml);
    }

    [Fact]
    public void EvtxArraySubstitutionRepeatsTheElement()
    {
        var xml = RenderTemplate(
            b => b.Open("EventData").U8(0x02).Open("Data").U8(0x02).Sub(0, 0x81, optional: false).U8(0x04).U8(0x04),
            ((byte)(EvtxValueType.String | EvtxValueType.ArrayFlag), Encoding.Unicode.GetBytes("a\0b<\0")));
        Assert.Equal("<EventData><Data>a</Data><Data>b&lt;</Data></EventData>", xml);
    }

    [Fact]
    public void EvtxDamagedBinXmlThrowsTheInternalFormatError()
    {
        // An element that is never closed, and a name offset outside the chunk.
        Assert.Throws<EvtxFormatException>(() => RenderTemplate(b => b.Open("Event").U8(0x02)));
        var b = new Builder();
        b.U8(0x01).U32(0).U32(0x7fff_0000).U8(0x02).U8(0x04);
        Assert.Throws<EvtxFormatException>(() => new BinXmlRenderer().Render(b.Chunk, EvtxFile.ChunkHeaderSize, b.Pos));
    }
}
