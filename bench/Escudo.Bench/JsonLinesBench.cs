using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Escudo.Ingest.Json;
using Escudo.Ingest.Sources;

namespace Escudo.Bench;

/// <summary>
/// <c>json-lines &lt;paths&gt;</c>: the JSON-lines parser alone, the document path
/// (<c>JsonDocument</c> per line) against the fast path (<c>Utf8JsonReader</c> straight into a flat
/// Windows event, the document path for anything else), and the fast read with its fields taken
/// from parsing the rendered XML back (the mapping before <c>RenderedWindowsEvent</c>), over the lines of every zipped recording
/// under the paths, held in memory. One thread, both paths in the same process, alternated, so
/// the machine's load falls on both alike; the median of the runs.
/// </summary>
internal static class JsonLinesBench
{
    public static int Run(string[] paths, int runs)
    {
        var lines = new List<string>();
        foreach (var file in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*.zip", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal))
        {
            using var zip = ZipFile.OpenRead(file);
            foreach (var entry in zip.Entries.Where(e => e.Length > 0))
            {
                using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                while (reader.ReadLine() is { } line)
                {
                    lines.Add(line);
                }
            }
        }

        var mb = lines.Sum(l => (long)Encoding.UTF8.GetByteCount(l)) / 1e6;
        var options = EventReadOptions.Default;
        var plain = new List<(double Wall, double Cpu)>();
        var reparsed = new List<(double Wall, double Cpu)>();
        var fast = new List<(double Wall, double Cpu)>();
        for (var r = 0; r < runs + 1; r++)
        {
            var p = Time(lines, l => JsonEventReader.ParseDocument(l, options).Row is not null);

            // The fast read with the mapping of round 2's start: the rendered XML parsed back.
            var x = Time(lines, l => (JsonEventReader.FlatWindowsEvent(l) is { } w ? JsonEventReader.FromWindowsEventByParsing(w, options) : JsonEventReader.ParseDocument(l, options).Row) is not null);
            var f = Time(lines, l => (JsonEventReader.FromFlatWindowsLine(l, options) ?? JsonEventReader.ParseDocument(l, options).Row) is not null);
            if (r > 0)
            {
                // The first round warms the JIT for all three.
                plain.Add(p);
                reparsed.Add(x);
                fast.Add(f);
            }
        }

        Row("document path (JsonDocument per line), 1 thread", lines.Count, mb, plain);
        Row("fast read, fields from parsing the rendered XML back, 1 thread", lines.Count, mb, reparsed);
        Row("fast path (Utf8JsonReader into the event, fields without the XML parse), 1 thread", lines.Count, mb, fast);
        return 0;
    }

    private static (double Wall, double Cpu) Time(List<string> lines, Func<string, bool> parse)
    {
        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var rows = 0;
        foreach (var line in lines)
        {
            rows += parse(line) ? 1 : 0;
        }

        var wall = sw.Elapsed.TotalSeconds;
        return (wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    private static void Row(string what, int lines, double mb, List<(double Wall, double Cpu)> runs)
    {
        var wall = runs.Select(r => r.Wall).Order().ElementAt(runs.Count / 2);
        var cpu = runs.Select(r => r.Cpu).Order().ElementAt(runs.Count / 2);
        Console.WriteLine($"| {what} | {lines:N0} | {mb:F1} | {wall:F3} | {lines / wall:N0} | {cpu:F3} | {lines / cpu:N0} |");
    }
}
