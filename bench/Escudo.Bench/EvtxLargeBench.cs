using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Escudo.Ingest.Evtx;
using Escudo.Ingest.Sources;

namespace Escudo.Bench;

/// <summary>
/// One large EVTX file read from disk through <see cref="InputReader"/> (whole ingest) or
/// <see cref="EvtxFile"/> (reader alone), once, reporting speed and the process's peak working
/// set: run it once per configuration, in its own process, so each peak is its own.
/// Usage: evtx-large &lt;file&gt; [--make-large &lt;datasets&gt;] [--size-mb N] [--threads N] [--mode ingest|reader] [--passes N]
/// </summary>
internal static class EvtxLargeBench
{
    private const int HeaderSize = 4096;
    private const int ChunkSize = 65536;

    public static int Run(string[] args)
    {
        var threads = BenchArgs.Threads(ref args, [1])[0];
        var path = args[0];
        string? makeFrom = null;
        var sizeMb = 1100;
        var mode = "ingest";
        var passes = 1;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--make-large": makeFrom = args[++i]; break;
                case "--size-mb": sizeMb = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--mode": mode = args[++i]; break;
                case "--passes": passes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }

        if (makeFrom is not null && !File.Exists(path))
        {
            Make(path, makeFrom, (long)sizeMb << 20);
        }

        var bytes = new FileInfo(path).Length;
        var process = Process.GetCurrentProcess();

        // Earlier passes only warm the JIT (tiered compilation and dynamic PGO); the last is timed.
        for (var pass = 1; pass < passes; pass++)
        {
            ReadOnce(path, mode, threads, _ => { });
        }

        var cpu = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        long problems = 0;
        void Problem(Escudo.Ingest.IngestProblem p)
        {
            if (problems++ < 3)
            {
                Console.Error.WriteLine(p);
            }
        }

        var records = ReadOnce(path, mode, threads, Problem);
        var s = sw.Elapsed.TotalSeconds;
        var gc = GC.GetGCMemoryInfo();
        Console.Error.WriteLine($"GC: {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} collections (gen 0/1/2), heap now {GC.GetTotalMemory(false) / 1048576.0:0} MiB, committed {gc.TotalCommittedBytes / 1048576.0:0} MiB, promoted {gc.PromotedBytes / 1048576.0:0} MiB");
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        var what = (mode == "reader" ? "reader: parse + render XML" : "ingest: read + WindowsEvent + map to row") + (passes > 1 ? $", pass {passes}" : "");
        Console.WriteLine($"| {what}, {threads} thread{(threads == 1 ? "" : "s")} | {bytes / 1e6:0} MB | {records:N0} records | {problems} problems | {s:0.00} s | {records / s:N0} records/s | {bytes / 1e6 / s:0} MB/s | {cpuSeconds:0.00} CPU s ({records / cpuSeconds:N0} records/CPU s) | peak working set {Measure.PeakMemoryBytes() / (1024.0 * 1024):0} MiB |");
        return 0;
    }

    private static long ReadOnce(string path, string mode, int threads, Action<Escudo.Ingest.IngestProblem> problem)
    {
        long records = 0;
        if (mode == "reader")
        {
            using var f = EvtxFile.Open(path);
            foreach (var r in f.ReadRecords(problem, new EvtxReadOptions { Threads = threads }))
            {
                records += r.Xml.Length > 0 ? 1 : 0;
            }
        }
        else
        {
            foreach (var _ in InputReader.Read(path, EventReadOptions.Default with { Threads = threads }, problem))
            {
                records++;
            }
        }

        return records;
    }

    /// <summary>
    /// Writes one file header followed by the chunks of the dataset files that read without a
    /// single problem, cycled until the file reaches <paramref name="size"/> bytes.
    /// </summary>
    private static void Make(string path, string datasets, long size)
    {
        var sources = Directory.EnumerateFiles(datasets, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Where(f =>
            {
                var problems = 0;
                using var e = EvtxFile.Open(f);
                var any = e.ReadRecords(_ => problems++).Count() > 0;
                return any && problems == 0 && new FileInfo(f).Length >= HeaderSize + ChunkSize;
            })
            .ToList();
        var chunks = new List<byte[]>();
        byte[]? header = null;
        foreach (var f in sources)
        {
            var data = File.ReadAllBytes(f);
            header ??= data[..HeaderSize];
            for (var o = HeaderSize; o + ChunkSize <= data.Length; o += ChunkSize)
            {
                if (data.AsSpan(o, 8).SequenceEqual("ElfChnk\0"u8))
                {
                    chunks.Add(data[o..(o + ChunkSize)]);
                }
            }
        }

        if (header is null || chunks.Count == 0)
        {
            throw new InvalidOperationException($"no clean EVTX chunks under {datasets}");
        }

        var count = (int)Math.Max(1, (size - HeaderSize) / ChunkSize);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), (ulong)(count - 1));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(42), (ushort)Math.Min(count, ushort.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(120), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(124), HeaderCrc(header.AsSpan(0, 120)));
        using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        output.Write(header);
        for (var i = 0; i < count; i++)
        {
            output.Write(chunks[i % chunks.Count]);
        }

        Console.Error.WriteLine($"wrote {path}: {count} chunks from {chunks.Count} clean chunks of {sources.Count} files, {output.Length / 1e6:0} MB");
    }

    /// <summary>Plain bitwise CRC-32 (IEEE); only the 120-byte header needs it.</summary>
    private static uint HeaderCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
