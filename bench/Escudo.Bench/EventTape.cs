using System.Buffers.Binary;
using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Bench;

/// <summary>
/// The replayed recordings, kept as bytes (field ids and UTF-8 values) rather than as event
/// objects: each replayed event is decoded into fresh objects, as a reader would make them, and
/// the garbage collector never has to trace hundreds of thousands of held events, which would
/// charge the pass for the generator's memory.
/// </summary>
internal sealed class EventTape
{
    private readonly List<(int Page, int Offset)> _index = [];
    private readonly List<long> _pageOffsets = [];
    private readonly List<int> _pageLengths = [];
    private readonly FileStream _writer;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _file;
    private byte[] _page = new byte[1 << 24];
    private int _used;
    private int _cachedPage = -1;

    /// <summary>
    /// A tape written to <paramref name="path"/> as it is made, one 16 MiB page in memory: replaying
    /// reads the file in order, as a hunt reads its input, so the tape does not count in the
    /// process's memory (the file is in the page cache, not in the working set). The file's name is
    /// removed as soon as it is open, so nothing is left behind however the process ends.
    /// </summary>
    public EventTape(string path)
    {
        _writer = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.DeleteOnClose);

        // DeleteOnClose needs the stream closed, and the bench exits without closing it (finalizers
        // do not run at exit): 34 tapes of 933 MiB had piled up in /tmp. On Unix an open file lives
        // on without its name until its last handle closes, which the kernel does at exit.
        if (!OperatingSystem.IsWindows())
        {
            File.Delete(path);
        }
    }

    public int Count => _index.Count;

    public long Bytes { get; private set; }

    /// <summary>Bytes of the tape held in memory: one page and the index.</summary>
    public long MemoryBytes => _page.Length + (_index.Count * 8L);

    private void WritePage()
    {
        _pageOffsets.Add(_writer.Position);
        _pageLengths.Add(_used);
        _writer.Write(_page, 0, _used);
        _used = 0;
    }

    /// <summary>Ends the tape: what follows is replaying.</summary>
    public void Seal()
    {
        WritePage();
        _writer.Flush();
        _file = _writer.SafeFileHandle;
        _cachedPage = -1;
    }

    public void Add(Row row)
    {
        var size = 4;
        for (var i = 0; i < row.Count; i++)
        {
            var v = row.ValueAt(i);
            size += 5 + v.Kind switch
            {
                ValueKind.String => 4 + Encoding.UTF8.GetByteCount(v.RawString!),
                ValueKind.Number or ValueKind.Boolean => 8,
                ValueKind.Multi => 4 + v.Items.ToArray().Sum(x => 4 + Encoding.UTF8.GetByteCount(x)),
                _ => 0,
            };
        }

        if (_used + size > _page.Length)
        {
            WritePage();
            if (size > _page.Length)
            {
                _page = new byte[size];
            }
        }

        Bytes += size;
        _index.Add((_pageOffsets.Count, _used));
        var span = _page.AsSpan(_used);
        var p = 0;
        BinaryPrimitives.WriteInt32LittleEndian(span[p..], row.Count);
        p += 4;
        for (var i = 0; i < row.Count; i++)
        {
            var v = row.ValueAt(i);
            BinaryPrimitives.WriteInt32LittleEndian(span[p..], row.IdAt(i));
            span[p + 4] = (byte)v.Kind;
            p += 5;
            switch (v.Kind)
            {
                case ValueKind.String:
                    p += WriteString(span[p..], v.RawString!);
                    break;
                case ValueKind.Number:
                case ValueKind.Boolean:
                    BinaryPrimitives.WriteDoubleLittleEndian(span[p..], v.RawNumber);
                    p += 8;
                    break;
                case ValueKind.Multi:
                    var items = v.Items;
                    BinaryPrimitives.WriteInt32LittleEndian(span[p..], items.Length);
                    p += 4;
                    foreach (var item in items)
                    {
                        p += WriteString(span[p..], item);
                    }

                    break;
            }
        }

        _used += p;
    }

    public Row Get(int index)
    {
        var (page, offset) = _index[index];
        if (page != _cachedPage)
        {
            for (var read = 0; read < _pageLengths[page];)
            {
                var n = RandomAccess.Read(_file!, _page.AsSpan(read, _pageLengths[page] - read), _pageOffsets[page] + read);
                read += n > 0 ? n : throw new EndOfStreamException("the tape file is shorter than written");
            }

            _cachedPage = page;
        }

        ReadOnlySpan<byte> span = _page.AsSpan(offset);
        var count = BinaryPrimitives.ReadInt32LittleEndian(span);
        var p = 4;
        var row = new Row(count + 2);
        for (var i = 0; i < count; i++)
        {
            var id = BinaryPrimitives.ReadInt32LittleEndian(span[p..]);
            var kind = (ValueKind)span[p + 4];
            p += 5;
            Value v;
            switch (kind)
            {
                case ValueKind.String:
                    v = Value.FromString(ReadString(span, ref p));
                    break;
                case ValueKind.Number:
                    v = Value.FromNumber(BinaryPrimitives.ReadDoubleLittleEndian(span[p..]));
                    p += 8;
                    break;
                case ValueKind.Boolean:
                    v = Value.FromBoolean(BinaryPrimitives.ReadDoubleLittleEndian(span[p..]) != 0);
                    p += 8;
                    break;
                case ValueKind.Multi:
                    var n = BinaryPrimitives.ReadInt32LittleEndian(span[p..]);
                    p += 4;
                    var items = new string[n];
                    for (var k = 0; k < n; k++)
                    {
                        items[k] = ReadString(span, ref p);
                    }

                    v = Value.FromMultiOwned(items);
                    break;
                default:
                    v = Value.Null;
                    break;
            }

            row.Set(id, v);
        }

        return row;
    }

    private static int WriteString(Span<byte> span, string s)
    {
        var n = Encoding.UTF8.GetBytes(s, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, n);
        return 4 + n;
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int p)
    {
        var n = BinaryPrimitives.ReadInt32LittleEndian(span[p..]);
        var s = Encoding.UTF8.GetString(span.Slice(p + 4, n));
        p += 4 + n;
        return s;
    }
}
