using Escudo.Ingest;
using Escudo.Ingest.Evtx;

namespace Escudo.Tests.Ingest.Evtx;

/// <summary>
/// Damaged input: thousands of mutated copies of real files (byte flips, truncations, zeroed and
/// random regions; fixed seed). Reading must never throw, never hang, and report damage.
/// </summary>
public class EvtxMutationTests
{
    private static readonly string[] Sources =
    [
        "DeepBlueCLI/evtx/metasploit-sysmon.evtx",
        "DeepBlueCLI/evtx/powersploit-security.evtx",
        "DeepBlueCLI/evtx/many-events-application.evtx",
        "EVTX-to-MITRE-Attack/Antivirus/ID1116-1117-Defender threat detected.evtx",
        "evtx-rs-samples/E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx",
    ];

    /// <summary>
    /// The fewest input bytes one record or one reported problem can stand for: a record is a 24-byte
    /// header, its binary XML and a 4-byte size copy, and the reader reports at most one problem per
    /// damaged record or region it skips.
    /// </summary>
    private const int MinimumItemBytes = 16;

    [Fact]
    public void EvtxReaderSurvivesMutatedFiles()
    {
        // 2,000 mutants by default; ESCUDO_FUZZ_ITERATIONS and ESCUDO_FUZZ_SEED run more, or others, by hand (CONTRIBUTING.md).
        var mutations = int.TryParse(Environment.GetEnvironmentVariable("ESCUDO_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : 2000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ESCUDO_FUZZ_SEED"), out var sd) ? sd : 12345;
        var originals = Sources.Select(s => File.ReadAllBytes(Path.Combine(EvtxTestSupport.Datasets, s))).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var withProblems = 0;
        var totalRecords = 0L;
        Parallel.For(0, mutations, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i =>
        {
            var rng = new Random(seed + i);
            var source = i % originals.Length;
            var data = Mutate(originals[source], rng, out var description);
            // Bounded by work, not wall time (a time limit fails spuriously on a loaded machine): every
            // record and every reported problem consumes input, so a reader that yields more of them
            // than the file has room for is looping. A loop that yields nothing is left to the test
            // runner's hang guard (.ci/run: --blame-hang-timeout).
            var bound = (data.Length / MinimumItemBytes) + 16;
            try
            {
                var problems = 0;
                var records = 0;
                using var evtx = EvtxFile.Open(new MemoryStream(data, writable: false), $"mutant-{i}");
                // Every other mutant also goes through the WindowsEvent builder, and every fourth
                // through the multi-threaded chunk pipeline.
                var options = i % 2 == 0 ? null : new EvtxReadOptions { WindowsEvents = true, Threads = i % 4 == 3 ? 2 : 1 };
                void Problem(IngestProblem _)
                {
                    if (Interlocked.Increment(ref problems) > bound)
                    {
                        throw new ReaderLoopsException();
                    }
                }

                foreach (var r in evtx.ReadRecords(Problem, options))
                {
                    records++;
                    Assert.False(string.IsNullOrEmpty(r.Xml));
                    if (records + Volatile.Read(ref problems) > bound)
                    {
                        break;
                    }
                }

                if (records + problems > bound)
                {
                    failures.Add($"mutant {i} of {Sources[source]} ({description}) yielded more than {bound} records and problems from {data.Length} bytes: the reader loops");
                    return;
                }

                Interlocked.Add(ref totalRecords, records);
                if (problems > 0)
                {
                    Interlocked.Increment(ref withProblems);
                }
            }
            catch (ReaderLoopsException)
            {
                failures.Add($"mutant {i} of {Sources[source]} ({description}) reported more than {bound} problems from {data.Length} bytes: the reader loops");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                failures.Add($"mutant {i} of {Sources[source]} ({description}) threw {e}");
            }
        });

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        Assert.True(withProblems > mutations / 4, $"only {withProblems} of {mutations} mutants reported problems");
        Assert.True(totalRecords > 0);
    }

    [Fact]
    public void EvtxBadChunkSignatureLosesOnlyThatChunk()
    {
        var path = Path.Combine(EvtxTestSupport.Datasets, "evtx-rs-samples/sample_with_a_bad_chunk_magic.evtx");
        var problems = new List<IngestProblem>();
        using var evtx = EvtxFile.Open(path);
        var records = evtx.ReadRecords(problems.Add).ToList();
        Assert.Contains(problems, p => p.What == "chunk" && p.Message.Contains("bad signature", StringComparison.Ordinal));
        Assert.True(records.Count > 250, $"{records.Count} records");
    }

    [Fact]
    public void EvtxGarbageAndEmptyInputReportProblemsWithoutThrowing()
    {
        foreach (var data in new[] { Array.Empty<byte>(), new byte[100], "ElfFile\0"u8.ToArray(), new byte[70000] })
        {
            var problems = new List<IngestProblem>();
            using var evtx = EvtxFile.Open(new MemoryStream(data), "garbage");
            Assert.Empty(evtx.ReadRecords(problems.Add));
            Assert.True(data.Length == 70000 || problems.Count > 0);
        }
    }

    private static byte[] Mutate(byte[] original, Random rng, out string description)
    {
        var data = (byte[])original.Clone();
        var kind = rng.Next(5);
        var parts = new List<string>();
        var steps = 1 + rng.Next(3);
        for (var s = 0; s < steps; s++)
        {
            switch (kind)
            {
                case 0: // byte flips, mostly inside chunks
                    for (var k = 0; k < 1 + rng.Next(16); k++)
                    {
                        var at = rng.Next(data.Length);
                        data[at] ^= (byte)(1 << rng.Next(8));
                    }

                    parts.Add("flips");
                    break;
                case 1:
                    {
                        var len = rng.Next(data.Length);
                        Array.Resize(ref data, len);
                        parts.Add($"truncate@{len}");
                        break;
                    }

                case 2:
                    {
                        var at = rng.Next(data.Length);
                        var len = Math.Min(data.Length - at, rng.Next(1, 600));
                        Array.Clear(data, at, len);
                        parts.Add($"zero@{at}+{len}");
                        break;
                    }

                case 3:
                    {
                        var at = rng.Next(data.Length);
                        var len = Math.Min(data.Length - at, rng.Next(1, 64));
                        rng.NextBytes(data.AsSpan(at, len));
                        parts.Add($"random@{at}+{len}");
                        break;
                    }

                default:
                    {
                        // Corrupt a 16/32-bit field near the start of a record's binary XML (sizes, offsets, counts).
                        var chunk = 4096 + (65536 * rng.Next(Math.Max(1, (data.Length - 4096) / 65536)));
                        var at = Math.Min(data.Length - 4, chunk + 512 + rng.Next(2048));
                        if (at > 0)
                        {
                            data[at] = (byte)rng.Next(256);
                            data[at + 1] = (byte)rng.Next(256);
                        }

                        parts.Add($"field@{at}");
                        break;
                    }
            }

            if (data.Length == 0)
            {
                break;
            }

            kind = rng.Next(5);
        }

        description = string.Join(",", parts);
        return data;
    }

    private sealed class ReaderLoopsException : Exception
    {
    }
}
