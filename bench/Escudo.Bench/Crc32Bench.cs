using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Escudo.Bench;

/// <summary>
/// The EVTX reader's checksums over real recordings: every 64 KiB chunk's header (bytes 0-120 and
/// 128-512) and records area, as <c>EvtxFile.OpenChunk</c> computes them, with the reader's
/// CRC-32, <see cref="System.IO.Hashing.Crc32"/>. BenchmarkDotNet, in process. The comparison
/// with the hand-written CRC-32 it replaced is in bench/RESULTS.md (`crc` at commit 2ee336f).
/// </summary>
public class Crc32Bench
{
    private const int ChunkSize = 65536;
    private const int ChunkHeaderSize = 512;
    private const int FileHeaderSize = 4096;
    private readonly List<byte[]> _chunks = [];

    /// <summary>The folder of recordings (ESCUDO_BENCH_EVTX, else ../shared/datasets).</summary>
    public static string Folder => Environment.GetEnvironmentVariable("ESCUDO_BENCH_EVTX") ?? "../shared/datasets";

    public static int Run()
    {
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        var summary = BenchmarkRunner.Run<Crc32Bench>(config);
        return summary.HasCriticalValidationErrors ? 1 : 0;
    }

    [GlobalSetup]
    public void Setup()
    {
        foreach (var file in Directory.EnumerateFiles(Folder, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            for (var at = FileHeaderSize; at + ChunkSize <= bytes.Length; at += ChunkSize)
            {
                _chunks.Add(bytes[at..(at + ChunkSize)]);
            }
        }

        Console.Error.WriteLine($"{_chunks.Count} chunks, {_chunks.Count * (long)ChunkSize / 1048576.0:N0} MiB, from {Folder}");
    }

    /// <summary>The library's CRC-32 (System.IO.Hashing), as the reader now uses it.</summary>
    [Benchmark]
    public uint Library()
    {
        uint all = 0;
        foreach (var chunk in _chunks)
        {
            var header = new System.IO.Hashing.Crc32();
            header.Append(chunk.AsSpan(0, 120));
            header.Append(chunk.AsSpan(128, ChunkHeaderSize - 128));
            all ^= header.GetCurrentHashAsUInt32() ^ System.IO.Hashing.Crc32.HashToUInt32(chunk.AsSpan(ChunkHeaderSize, RecordsEnd(chunk) - ChunkHeaderSize));
        }

        return all;
    }

    /// <summary>The end of a chunk's records area (its free-space offset), or the whole chunk when that is out of range.</summary>
    private static int RecordsEnd(byte[] chunk)
    {
        var free = BitConverter.ToUInt32(chunk, 48);
        return free is >= ChunkHeaderSize and <= ChunkSize ? (int)free : ChunkSize;
    }
}
