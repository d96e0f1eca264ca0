using System.IO.Compression;
using System.Text;
using Escudo.Core.Events;
using Escudo.Detections.Output;
using Escudo.Ingest.Json;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Text;

/// <summary>
/// JSON lines holding a flat Windows event are read with <c>Utf8JsonReader</c> straight into the
/// event (<see cref="JsonEventReader.FromFlatWindowsLine"/>) instead of through a
/// <c>JsonDocument</c>. The reader must not be able to tell: every line of the shared zipped-JSON
/// recordings, and hostile lines made here, give the same row (every field, every value, in the
/// same order) or the same problem both ways.
/// </summary>
public class JsonFastPathDifferentialTests
{
    [Fact]
    public void EveryRecordedLineGivesTheSameRowBothWays()
    {
        var folder = Path.Combine(SharedData.Require("datasets"), "Security-Datasets");
        var files = Directory.EnumerateFiles(folder, "*.zip", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        long lines = 0;
        long fast = 0;
        foreach (var file in files)
        {
            using var zip = ZipFile.OpenRead(file);
            foreach (var entry in zip.Entries.Where(e => e.Length > 0))
            {
                using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                while (reader.ReadLine() is { } line)
                {
                    lines++;
                    if (Compare(line, $"{file}!{entry.FullName} line {lines}"))
                    {
                        fast++;
                    }
                }
            }
        }

        // The recordings are flat Windows events: nearly every line must have taken the fast path,
        // or this test compared the document path with itself.
        Assert.True(lines > 100_000, $"{lines} lines read");
        Assert.True(fast > lines * 9 / 10, $"{fast} of {lines} lines took the fast path");
    }

    [Fact]
    public void HostileLinesGiveTheSameRowOrProblemBothWays()
    {
        const string Win = "\"EventID\":4688,\"Channel\":\"Security\"";
        var lines = new List<string>
        {
            // Duplicate names: the last one is the value, every one is an EventData item.
            $"{{{Win},\"Hostname\":\"a\",\"Hostname\":\"b\",\"x\":\"1\",\"x\":\"2\"}}",
            $"{{{Win},\"Channel\":null}}",
            $"{{\"Channel\":\"Security\",\"EventID\":\"1\",\"EventID\":{{\"a\":1}},\"EventCode\":\"7\"}}",
            // Escapes in names and values, markup, control characters, non-ASCII.
            $"{{{Win},\"a\\u0022b\":\"<x>&amp;'\\\"\\u0000\\t\\r\\n\",\"\\u00e9t\\u00e9\":\"\\ud83d\\ude00\"}}",
            $"{{{Win},\"CommandLine\":\"cmd.exe /c \\\"echo </Data><Data Name='x'>y\\\"\"}}",
            // Numbers as written: keywords signed, huge, fractional, exponent; integers past long.
            $"{{{Win},\"Keywords\":-9214364837600034816,\"n\":1.50,\"m\":-0,\"e\":1E+3,\"big\":123456789012345678901234567890}}",
            $"{{{Win},\"Keywords\":1.5}}",
            $"{{{Win},\"Keywords\":\"0x8020000000000000\"}}",
            $"{{{Win},\"Keywords\":true}}",
            // Collector fields, EventType as a level word and as Sysmon's own.
            $"{{{Win},\"EventType\":\"AUDIT_SUCCESS\",\"port\":1,\"Port\":2,\"tags\":[\"t\"],\"Type\":\"x\"}}",
            $"{{{Win},\"EventType\":\"SetValue\"}}",
            $"{{{Win},\"EventType\":5}}",
            // Nested values are skipped by name, whatever they hold.
            $"{{{Win},\"winlog\":{{\"a\":[1,{{\"b\":[[]]}}]}},\"arr\":[],\"obj\":{{}},\"t\":true,\"f\":false,\"z\":null}}",
            // Times: @timestamp, TimeCreated, both, neither, unparseable.
            $"{{{Win},\"@timestamp\":\"2020-07-22T03:27:42.123Z\"}}",
            $"{{{Win},\"TimeCreated\":\"2020-07-22 03:27:42\"}}",
            $"{{{Win},\"@timestamp\":\"not a time\",\"TimeCreated\":\"2021-01-01T00:00:00+02:00\"}}",
            $"{{{Win},\"@timestamp\":17}}",
            // Not the fast path's shape: HEC envelopes, other objects, missing EventID or Channel.
            "{\"time\":1700000000,\"host\":\"h\",\"event\":{\"EventID\":1,\"Channel\":\"Security\"}}",
            "{\"time\":\"1700000000.5\",\"event\":\"plain text\",\"fields\":{\"a\":[\"1\",\"2\"]}}",
            $"{{{Win},\"event\":5}}",
            $"{{{Win},\"event\":null}}",
            "{\"EventID\":4688}",
            "{\"Channel\":\"Security\",\"a\":{\"b\":1}}",
            "{\"channel\":\"Security\",\"event_id\":\"1\"}",
            // Not valid JSON, or not an object: the same problem either way.
            "{broken",
            $"{{{Win}}} trailing",
            $"{{{Win}}}{{}}",
            $"{{{Win},}}",
            $"{{{Win}}} // comment",
            "[1,2]",
            "\"text\"",
            "42",
            "{\"EventID\":1,\"Channel\":\"S\",\"x\":\"\\ud800\"}",
            "{\"EventID\":1,\"Channel\":\"S\",\"x\":\"\ud800\"}",
            "{\"EventID\":1,\"Channel\":\"S\",\"x\":\"\\q\"}",
            "{\"EventID\":1,\"Channel\":\"S\",\"x\":01}",
            "   ",
            string.Empty,
            $"  {{{Win}}}  ",
        };
        lines.Add("{" + Win + ",\"deep\":" + new string('[', 64) + new string(']', 64) + "}");
        lines.Add("{" + Win + ",\"deep\":" + new string('[', 70) + new string(']', 70) + "}");
        lines.Add("{" + Win + ",\"long\":\"" + new string('x', 200_000) + "\"}");

        // Random lines from those pieces: fields added, cut and swapped.
        var random = new Random(20);
        for (var i = 0; i < 2_000; i++)
        {
            var a = lines[random.Next(lines.Count)];
            var b = lines[random.Next(lines.Count)];
            lines.Add(random.Next(3) switch
            {
                0 when a.Length > 2 => a[..random.Next(1, a.Length)],
                1 when a.Length > 2 && b.Length > 2 => a[..^1] + "," + b[1..],
                _ => a.Replace(',', random.Next(2) == 0 ? ';' : ',') + (random.Next(4) == 0 ? "\n" : string.Empty),
            });
        }

        foreach (var (line, i) in lines.Select((l, i) => (l, i)))
        {
            Compare(line, $"hostile line {i}: {(line.Length > 200 ? line[..200] : line)}");
        }
    }

    /// <summary>Compares one line both ways; true when the fast path read it.</summary>
    private static bool Compare(string line, string where)
    {
        var options = EventReadOptions.Default;
        var plain = JsonEventReader.ParseDocument(line, options);
        Row? fast;
        try
        {
            fast = JsonEventReader.FromFlatWindowsLine(line, options);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            // The reader then takes the document path: it must report a problem there too.
            Assert.True(plain.Problem is not null, $"{where}: the fast path threw {e.Message}, the document path read the line");
            return false;
        }

        if (fast is null)
        {
            return false;
        }

        Assert.True(plain.Row is not null, $"{where}: the fast path read a row, the document path said {plain.Problem}");
        Assert.Equal(ResultJson.ToJsonLine(plain.Row), ResultJson.ToJsonLine(fast));
        return true;
    }
}
