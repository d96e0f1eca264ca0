using Escudo.Ingest.Evtx;
using Escudo.Ingest.Sources;

namespace Escudo.Bench;

/// <summary>Whole-pipeline ingest (read, extract fields, map) per input format.</summary>
internal static class IngestBench
{
    public static int Run(string[] paths, int runs)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Where(f => !f.EndsWith(".evtxexport.txt", StringComparison.Ordinal))
            .ToList();
        var groups = files.GroupBy(Kind).Where(g => g.Key is not null).ToList();
        Console.WriteLine("| format | files | MB | events | median s | events/s | MB/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var g in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = g.ToList();
            var mb = list.Sum(f => new FileInfo(f).Length) / 1e6;
            long events = 0;
            var s = Measure.MedianSeconds(runs, () =>
            {
                events = 0;
                foreach (var f in list)
                {
                    foreach (var _ in InputReader.Read(f))
                    {
                        events++;
                    }
                }
            });
            Console.WriteLine($"| {g.Key} | {list.Count} | {mb:0.0} | {events:N0} | {s:0.000} | {events / s:N0} | {mb / s:0.0} |");
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

/// <summary>The EVTX reader alone: parse and render records, single thread, files already in memory.</summary>
internal static class EvtxBench
{
    public static int Run(string[] args)
    {
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
        long records = 0;
        var s = Measure.MedianSeconds(3, () =>
        {
            records = 0;
            for (var r = 0; r < repeat; r++)
            {
                for (var i = 0; i < data.Count; i++)
                {
                    using var f = EvtxFile.Open(new MemoryStream(data[i], writable: false), files[i]);
                    foreach (var rec in f.ReadRecords())
                    {
                        records += rec.Xml.Length > 0 ? 1 : 0;
                    }
                }
            }
        });
        Console.WriteLine($"| Escudo EVTX reader (parse + render XML, 1 thread) | {files.Count * repeat} files | {bytes / 1e6:0.0} MB | {records:N0} records | {s:0.000} s | {records / s:N0} records/s | {bytes / 1e6 / s:0.0} MB/s |");
        return 0;
    }
}
