using Escudo.Ingest.Evtx;
using Escudo.Ingest.Sources;

namespace Escudo.Bench;

/// <summary>Whole-pipeline ingest (read, extract fields, map) per input format, on 1 and 2 threads (<c>--make-xml file</c> adds an XmlWinEventLog corpus of every EVTX record).</summary>
internal static class IngestBench
{
    public static int Run(string[] args, int runs)
    {
        var threads = BenchArgs.Threads(ref args, [1, 2]);
        string? xmlCorpus = null;
        var at = Array.IndexOf(args, "--make-xml");
        if (at >= 0)
        {
            xmlCorpus = args[at + 1];
            args = [.. args.Take(at), .. args.Skip(at + 2)];
        }

        var paths = args;
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Where(f => !f.EndsWith(".evtxexport.txt", StringComparison.Ordinal))
            .ToList();
        if (xmlCorpus is not null)
        {
            // The datasets hold only a few XmlWinEventLog events: a corpus of every EVTX record
            // rendered as Splunk's XmlWinEventLog (one event per line) measures that reader at size.
            if (!File.Exists(xmlCorpus))
            {
                using var w = new StreamWriter(xmlCorpus);
                foreach (var f in files.Where(f => Kind(f) == "EVTX"))
                {
                    using var evtx = EvtxFile.Open(f);
                    foreach (var r in evtx.ReadRecords())
                    {
                        w.WriteLine(r.Xml);
                    }
                }
            }

            files = [.. files.Where(f => Kind(f) != "XmlWinEventLog"), xmlCorpus];
        }

        var groups = files.GroupBy(Kind).Where(g => g.Key is not null).ToList();
        Console.WriteLine("| format | files | MB | events | median s | events/s | MB/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var g in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = g.ToList();
            var mb = list.Sum(f => new FileInfo(f).Length) / 1e6;
            foreach (var n in threads)
            {
                var options = EventReadOptions.Default with { Threads = n };
                var label = $"{g.Key}, {n} thread{(n == 1 ? "" : "s")}";
                long events = 0;
                var s = Measure.WarmMedianSeconds(runs, () =>
                {
                    events = 0;
                    foreach (var f in list)
                    {
                        foreach (var _ in InputReader.Read(f, options))
                        {
                            events++;
                        }
                    }
                });
                Console.WriteLine($"| {label} | {list.Count} | {mb:0.0} | {events:N0} | {s:0.000} | {events / s:N0} | {mb / s:0.0} |");
            }
        }

        return 0;
    }

    private static string? Kind(string f)
    {
        var head = new byte[4096];
        int n;
        using (var s = File.OpenRead(f))
        {
            n = s.Read(head);
        }

        return InputReader.Detect(head.AsSpan(0, n)) switch
        {
            InputFormat.Evtx => "EVTX",
            InputFormat.Zip => "zipped JSON lines",
            InputFormat.JsonLines => "JSON lines",
            InputFormat.XmlWinEventLog => "XmlWinEventLog",
            _ => null,
        };
    }
}

/// <summary>
/// The EVTX reader, files already in memory: parse + render, then parse + render + WindowsEvent +
/// map to a row (the whole ingest), each on 1 and 2 threads.
/// </summary>
internal static class EvtxBench
{
    public static int Run(string[] args)
    {
        var threads = BenchArgs.Threads(ref args, [1, 2]);
        var repeat = 1;
        var paths = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--repeat")
            {
                repeat = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                paths.Add(args[i]);
            }
        }

        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*.evtx", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal).ToList();
        var data = files.Select(File.ReadAllBytes).ToList();
        var bytes = data.Sum(d => (long)d.Length) * repeat;
        foreach (var full in new[] { false, true })
        {
            foreach (var n in threads)
            {
                long records = 0;
                using var process = System.Diagnostics.Process.GetCurrentProcess();
                var cpuBefore = process.TotalProcessorTime;
                var s = Measure.MedianSeconds(3, () =>
                {
                    records = 0;
                    for (var r = 0; r < repeat; r++)
                    {
                        for (var i = 0; i < data.Count; i++)
                        {
                            var stream = new MemoryStream(data[i], writable: false);
                            if (full)
                            {
                                foreach (var _ in InputReader.ReadStream(stream, files[i], EventReadOptions.Default with { Threads = n }, null))
                                {
                                    records++;
                                }
                            }
                            else
                            {
                                using var f = EvtxFile.Open(stream, files[i]);
                                foreach (var rec in f.ReadRecords(null, new EvtxReadOptions { Threads = n }))
                                {
                                    records += rec.Xml.Length > 0 ? 1 : 0;
                                }
                            }
                        }
                    }
                });
                process.Refresh();

                // CPU time per run (mean of the 3 runs) tells the work per core apart from what
                // other processes on the machine take away from the wall time.
                var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / 3;
                var what = full ? "ingest: parse + render + WindowsEvent + map to row" : "parse + render XML";
                Console.WriteLine($"| Escudo EVTX reader ({what}, {n} thread{(n == 1 ? "" : "s")}) | {files.Count * repeat} files | {bytes / 1e6:0.0} MB | {records:N0} records | {s:0.000} s | {records / s:N0} records/s | {bytes / 1e6 / s:0.0} MB/s | {cpu:0.000} CPU s, {records / cpu:N0} records/CPU s |");
            }
        }

        return 0;
    }
}
