using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Escudo.Ingest.Windows;
using Escudo.Ingest.Xml;

namespace Escudo.Ingest.Evtx;

/// <summary>
/// Reader for Windows XML Event Log (EVTX) files. Streams the file: the 4 KiB file header, then
/// one 64 KiB chunk at a time in a pooled buffer. Damage is reported through the problems
/// callback and skipped: a bad record costs that record, a bad chunk costs that chunk.
/// </summary>
internal sealed class EvtxFile : IDisposable
{
    internal const int FileHeaderSize = 4096;
    internal const int ChunkSize = 65536;
    internal const int ChunkHeaderSize = 512;
    private const int RecordHeaderSize = 24;
    private const uint RecordMagic = 0x00002a2a;
    private static ReadOnlySpan<byte> FileMagic => "ElfFile\0"u8;
    private static ReadOnlySpan<byte> ChunkMagic => "ElfChnk\0"u8;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly string _name;
    private bool _reading;

    private EvtxFile(Stream stream, string name, bool ownsStream)
    {
        _stream = stream;
        _name = name;
        _ownsStream = ownsStream;
    }

    public static EvtxFile Open(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        return new EvtxFile(fs, path, ownsStream: true);
    }

    public static EvtxFile Open(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new EvtxFile(stream, name, ownsStream: false);
    }

    /// <summary>Chunk count from the file header (0 until read or when the header is damaged).</summary>
    public int HeaderChunkCount { get; private set; }

    /// <summary>
    /// Records in file order. Never throws on bad input: damage (bad header, chunk magic or CRC,
    /// truncated or malformed records, bad templates, offsets outside the chunk) goes to
    /// <paramref name="problems"/> and the reader carries on with the next record or chunk.
    /// </summary>
    public IEnumerable<EvtxRecord> ReadRecords(Action<IngestProblem>? problems = null, EvtxReadOptions? options = null) =>
        Read(problems, options, static (record, _) => record);

    /// <summary>
    /// Records in file order, each turned into a <typeparamref name="T"/> by <paramref name="map"/>
    /// (null drops it). With several threads the map runs on the decoding threads too, so the
    /// per-record work after decoding is spread as well; problems it reports keep their place.
    /// </summary>
    internal IEnumerable<T> Read<T>(Action<IngestProblem>? problems, EvtxReadOptions? options, Func<EvtxRecord, Action<IngestProblem>, T?> map)
        where T : class
    {
        if (_reading)
        {
            throw new InvalidOperationException("ReadRecords can be enumerated once per EvtxFile.");
        }

        _reading = true;
        options ??= EvtxReadOptions.Default;
        var report = problems ?? (_ => { });
        return options.Threads > 1 ? ReadParallel(report, options, map) : ReadCore(report, options, map);
    }

    private IEnumerable<T> ReadCore<T>(Action<IngestProblem> report, EvtxReadOptions options, Func<EvtxRecord, Action<IngestProblem>, T?> map)
        where T : class
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var renderer = BinXmlRenderer.Rent(options.WindowsEvents);
        try
        {
            long position = 0;
            int got;
            try
            {
                got = _stream.ReadAtLeast(buffer.AsSpan(0, FileHeaderSize), FileHeaderSize, throwOnEndOfStream: false);
            }
            catch (IOException e)
            {
                report(new IngestProblem(_name, 0, "file header", e.Message));
                yield break;
            }

            CheckFileHeader(buffer.AsSpan(0, got), report);
            if (got < FileHeaderSize)
            {
                yield break;
            }

            position = FileHeaderSize;
            for (var chunkIndex = 0; ; chunkIndex++)
            {
                try
                {
                    got = _stream.ReadAtLeast(buffer.AsSpan(0, ChunkSize), ChunkSize, throwOnEndOfStream: false);
                }
                catch (IOException e)
                {
                    report(new IngestProblem(_name, position, "chunk", e.Message));
                    yield break;
                }

                if (got == 0)
                {
                    yield break;
                }

                // Records are decoded and handed out one at a time, so memory stays at one chunk
                // buffer plus the record being rendered, whatever the chunk holds.
                var limit = OpenChunk(buffer.AsSpan(0, got), position, chunkIndex, report);
                if (limit > 0)
                {
                    renderer.ResetChunk();
                    var offset = ChunkHeaderSize;
                    while (NextRecord(buffer.AsSpan(0, got), position, limit, ref offset, renderer, report, out var record))
                    {
                        if (record is not null && map(record, report) is { } item)
                        {
                            yield return item;
                        }
                    }
                }

                if (got < ChunkSize)
                {
                    yield break;
                }

                position += ChunkSize;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            BinXmlRenderer.Return(renderer);
        }
    }

    /// <summary>One chunk to decode, and once decoded its records (mapped) and problems in the order they occurred.</summary>
    private sealed class ChunkJob<T>(EvtxFile owner, byte[] buffer, int got, long position, int index, bool windowsEvents, Func<EvtxRecord, Action<IngestProblem>, T?> map) : EvtxChunkHelpers.IJob
        where T : class
    {
        public readonly byte[] Buffer = buffer;
        public readonly int Got = got;
        public readonly long Position = position;
        public readonly int Index = index;
        public readonly bool WindowsEvents = windowsEvents;
        public readonly Func<EvtxRecord, Action<IngestProblem>, T?> Map = map;
        public List<(T? Item, IngestProblem? Problem)> Items = new(256);
        public readonly ManualResetEventSlim Done = new(false);
        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Failure;
        private int _taken;

        /// <summary>True for the one thread (a helper or the reader) that gets to decode this chunk.</summary>
        public bool TryTake() => Interlocked.Exchange(ref _taken, 1) == 0;

        public void RunIfFree(BinXmlRenderer renderer)
        {
            if (TryTake())
            {
                owner.Decode(this, renderer);
            }
        }
    }

    /// <summary>
    /// The reading thread reads the file chunk by chunk, as in the single-threaded path, and queues
    /// each chunk for the helper threads; it decodes the oldest chunk itself when no helper has
    /// taken it yet, then hands out its records. File order is kept, and the reader never waits
    /// for work nobody is doing, so busy or missing helpers only cost speed. At most two chunks per
    /// thread are in flight, so memory is bounded by a few chunks and their records whatever the
    /// file size.
    /// </summary>
    private IEnumerable<T> ReadParallel<T>(Action<IngestProblem> report, EvtxReadOptions options, Func<EvtxRecord, Action<IngestProblem>, T?> map)
        where T : class
    {
        var inFlight = new Queue<ChunkJob<T>>();
        var maxInFlight = options.Threads * 2;
        var renderer = BinXmlRenderer.Rent(options.WindowsEvents);
        var header = new byte[FileHeaderSize];
        EvtxChunkHelpers.EnsureHelpers(options.Threads - 1);
        try
        {
            int got;
            try
            {
                got = _stream.ReadAtLeast(header, FileHeaderSize, throwOnEndOfStream: false);
            }
            catch (IOException e)
            {
                report(new IngestProblem(_name, 0, "file header", e.Message));
                yield break;
            }

            CheckFileHeader(header.AsSpan(0, got), report);
            if (got < FileHeaderSize)
            {
                yield break;
            }

            long position = FileHeaderSize;
            for (var chunkIndex = 0; ; chunkIndex++)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                try
                {
                    got = _stream.ReadAtLeast(buffer.AsSpan(0, ChunkSize), ChunkSize, throwOnEndOfStream: false);
                }
                catch (IOException e)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    report(new IngestProblem(_name, position, "chunk", e.Message));
                    break;
                }

                if (got == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                var job = new ChunkJob<T>(this, buffer, got, position, chunkIndex, options.WindowsEvents, map);
                inFlight.Enqueue(job);
                EvtxChunkHelpers.Queue(job);
                while (inFlight.Count >= maxInFlight)
                {
                    foreach (var item in Finish(inFlight, renderer, report))
                    {
                        yield return item;
                    }
                }

                if (got < ChunkSize)
                {
                    break;
                }

                position += ChunkSize;
            }

            while (inFlight.Count > 0)
            {
                foreach (var item in Finish(inFlight, renderer, report))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            BinXmlRenderer.Return(renderer);

            // Stopped early (or failed): chunks nobody started are dropped (helpers skip them),
            // the ones being decoded are waited for, so every buffer goes back to the pool.
            foreach (var job in inFlight)
            {
                if (job.TryTake())
                {
                    ArrayPool<byte>.Shared.Return(job.Buffer);
                }
                else
                {
                    job.Done.Wait();
                }

                job.Done.Dispose();
            }
        }
    }

    /// <summary>
    /// Hands out the items of the oldest chunk: decodes it here unless a helper took it, and while
    /// a helper is still on it, decodes the later chunks nobody has taken instead of waiting idle.
    /// </summary>
    private static IEnumerable<T> Finish<T>(Queue<ChunkJob<T>> inFlight, BinXmlRenderer renderer, Action<IngestProblem> report)
        where T : class
    {
        var job = inFlight.Dequeue();
        job.RunIfFree(renderer);
        foreach (var later in inFlight)
        {
            if (job.Done.IsSet)
            {
                break;
            }

            later.RunIfFree(renderer);
        }

        job.Done.Wait();
        job.Done.Dispose();
        job.Failure?.Throw();

        // The helpers' queue may still hold this job (to be skipped): it must not keep the records alive.
        var items = job.Items;
        job.Items = [];
        foreach (var (item, problem) in items)
        {
            if (problem is not null)
            {
                report(problem);
            }
            else if (item is not null)
            {
                yield return item;
            }
        }
    }

    private void Decode<T>(ChunkJob<T> job, BinXmlRenderer renderer)
        where T : class
    {
        void Collect(IngestProblem p) => job.Items.Add((null, p));
        try
        {
            renderer.CollectElements = job.WindowsEvents;
            var limit = OpenChunk(job.Buffer.AsSpan(0, job.Got), job.Position, job.Index, Collect);
            if (limit > 0)
            {
                renderer.ResetChunk();
                var offset = ChunkHeaderSize;
                while (NextRecord(job.Buffer.AsSpan(0, job.Got), job.Position, limit, ref offset, renderer, Collect, out var record))
                {
                    if (record is not null && job.Map(record, Collect) is { } item)
                    {
                        job.Items.Add((item, null));
                    }
                }
            }
        }
        catch (Exception e)
        {
            // Decoding reports damage instead of throwing, so this is the map failing: rethrown on
            // the reading thread when this chunk's turn comes, as the single-threaded path would.
            job.Failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(job.Buffer);
            job.Done.Set();
        }
    }

    private void CheckFileHeader(ReadOnlySpan<byte> h, Action<IngestProblem> report)
    {
        if (h.Length < 128)
        {
            report(new IngestProblem(_name, 0, "file header", $"file too short for an EVTX header ({h.Length} bytes)"));
            return;
        }

        if (!h[..8].SequenceEqual(FileMagic))
        {
            report(new IngestProblem(_name, 0, "file header", "bad file signature (expected ElfFile)"));
            return;
        }

        HeaderChunkCount = BinaryPrimitives.ReadUInt16LittleEndian(h[42..]);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(h[124..]);
        var computed = Crc32.HashToUInt32(h[..120]);
        if (stored != computed)
        {
            report(new IngestProblem(_name, 124, "file header", $"header CRC32 mismatch (stored 0x{stored:x8}, computed 0x{computed:x8})"));
        }

        if (h.Length < FileHeaderSize)
        {
            report(new IngestProblem(_name, h.Length, "file header", "file ends inside the 4 KiB header block"));
        }
    }

    /// <summary>Validates a chunk header and checksums; returns the end of its records area, or -1 to skip the chunk.</summary>
    private int OpenChunk(ReadOnlySpan<byte> chunk, long fileOffset, int chunkIndex, Action<IngestProblem> report)
    {
        if (chunk.Length < ChunkHeaderSize)
        {
            if (chunk.ContainsAnyExcept((byte)0))
            {
                report(new IngestProblem(_name, fileOffset, "chunk", $"chunk {chunkIndex} truncated to {chunk.Length} bytes"));
            }

            return -1;
        }

        if (!chunk[..8].SequenceEqual(ChunkMagic))
        {
            // Unused (zeroed) chunks at the end of a file are normal; anything else is damage.
            if (chunk.ContainsAnyExcept((byte)0))
            {
                report(new IngestProblem(_name, fileOffset, "chunk", $"chunk {chunkIndex} has a bad signature; chunk skipped"));
            }

            return -1;
        }

        if (chunk.Length < ChunkSize)
        {
            report(new IngestProblem(_name, fileOffset + chunk.Length, "chunk", $"chunk {chunkIndex} truncated to {chunk.Length} bytes; reading the records it still holds"));
        }

        var freeSpace = BinaryPrimitives.ReadUInt32LittleEndian(chunk[48..]);
        var storedDataCrc = BinaryPrimitives.ReadUInt32LittleEndian(chunk[52..]);
        var storedHeaderCrc = BinaryPrimitives.ReadUInt32LittleEndian(chunk[124..]);
        var headerHash = new Crc32();
        headerHash.Append(chunk[..120]);
        headerHash.Append(chunk[128..ChunkHeaderSize]);
        var headerCrc = headerHash.GetCurrentHashAsUInt32();
        if (headerCrc != storedHeaderCrc)
        {
            // Checksums are advisory here: the records are still decoded one by one and each is
            // validated on its own, so a wrong header checksum is reported, not fatal.
            report(new IngestProblem(_name, fileOffset + 124, "chunk header", $"chunk {chunkIndex} header CRC32 mismatch (stored 0x{storedHeaderCrc:x8}, computed 0x{headerCrc:x8})"));
        }

        var limit = chunk.Length;
        if (freeSpace >= ChunkHeaderSize && freeSpace <= (uint)chunk.Length)
        {
            limit = (int)freeSpace;
            var dataCrc = Crc32.HashToUInt32(chunk[ChunkHeaderSize..limit]);
            if (dataCrc != storedDataCrc)
            {
                report(new IngestProblem(_name, fileOffset + 52, "chunk records", $"chunk {chunkIndex} records CRC32 mismatch (stored 0x{storedDataCrc:x8}, computed 0x{dataCrc:x8})"));
            }
        }
        else
        {
            report(new IngestProblem(_name, fileOffset + 48, "chunk header", $"chunk {chunkIndex} free space offset {freeSpace} is invalid; scanning the whole chunk"));
        }

        return limit;
    }

    /// <summary>
    /// Reads the record at <paramref name="offset"/> and advances past it. Returns false at the end
    /// of the records area; <paramref name="record"/> is null when the record was damaged (reported).
    /// </summary>
    private bool NextRecord(ReadOnlySpan<byte> chunk, long fileOffset, int limit, ref int offset, BinXmlRenderer renderer, Action<IngestProblem> report, out EvtxRecord? record)
    {
        record = null;
        if (offset + RecordHeaderSize > limit)
        {
            return false;
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(chunk[offset..]);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[(offset + 4)..]);
        string? damage = null;
        if (magic != RecordMagic)
        {
            if (!chunk[offset..limit].ContainsAnyExcept((byte)0))
            {
                return false; // zero padding up to the end of the used area
            }

            damage = "bad record signature";
        }
        else if (size < RecordHeaderSize + 4 || size > (uint)(chunk.Length - offset))
        {
            damage = $"record size {size} does not fit in the chunk";
        }
        else if (BinaryPrimitives.ReadUInt32LittleEndian(chunk[(offset + (int)size - 4)..]) != size)
        {
            damage = $"record size {size} does not match the size copy at its end";
        }

        if (damage is not null)
        {
            report(new IngestProblem(_name, fileOffset + offset, "record", damage + "; searching for the next record"));
            var next = FindNextRecord(chunk, offset + 1, limit);
            if (next < 0)
            {
                return false;
            }

            offset = next;
            return true;
        }

        var recordId = BinaryPrimitives.ReadUInt64LittleEndian(chunk[(offset + 8)..]);
        var fileTime = BinaryPrimitives.ReadUInt64LittleEndian(chunk[(offset + 16)..]);
        try
        {
            var xml = renderer.Render(chunk, offset + RecordHeaderSize, offset + (int)size - 4);
            if (renderer.DamagedName is { } damaged)
            {
                report(new IngestProblem(_name, fileOffset + damaged.Offset, "name", $"record {recordId}: a damaged element or attribute name, written as {damaged.Written} (records of this chunk that reuse it too); record kept"));
            }

            WindowsEvent? windowsEvent = null;
            var fromText = false;
            if (renderer.CollectElements)
            {
                windowsEvent = EvtxEventBuilder.TryBuild(xml, renderer.Spans, renderer.HasUnusualContent);
                if (windowsEvent is null)
                {
                    windowsEvent = WindowsXmlParser.Parse(xml);
                    fromText = true;
                }
            }

            record = new EvtxRecord(recordId, EvtxValues.FileTimeToDateTime(fileTime), xml, fileOffset + offset, windowsEvent, fromText);
        }
        catch (EvtxFormatException e)
        {
            report(new IngestProblem(_name, fileOffset + e.Offset, e.What, $"record {recordId}: {e.Message}; record skipped"));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            report(new IngestProblem(_name, fileOffset + offset, "record", $"record {recordId}: {e.GetType().Name}: {e.Message}; record skipped"));
        }

        offset += (int)size;
        return true;
    }

    /// <summary>Next offset holding a plausible record header (signature, size and size copy agree), or -1.</summary>
    private static int FindNextRecord(ReadOnlySpan<byte> chunk, int from, int limit)
    {
        for (var o = from; o + RecordHeaderSize <= limit; o++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(chunk[o..]) != RecordMagic)
            {
                continue;
            }

            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[(o + 4)..]);
            if (size >= RecordHeaderSize + 4 && size <= (uint)(chunk.Length - o)
                && BinaryPrimitives.ReadUInt32LittleEndian(chunk[(o + (int)size - 4)..]) == size)
            {
                return o;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }
}
