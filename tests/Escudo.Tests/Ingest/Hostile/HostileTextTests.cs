using System.IO.Compression;
using System.Text;
using Escudo.Core.Events;
using Escudo.Ingest;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Hostile;

/// <summary>
/// Hostile text and zip inputs (issue 14), generated here: each case asserts the problem
/// reported (what and where) and that every valid event beside the bad one is still read.
/// </summary>
public sealed class HostileTextTests
{
    private static readonly string[] FoundingLines = File.ReadAllLines(Path.Combine(SharedData.RepoRoot, "tests/fixtures/founding/regasm_sysmon.xml"));

    private static readonly string Good = FoundingLines[0];

    private static (List<Row> Rows, List<IngestProblem> Problems) Read(byte[] data, EventReadOptions? options = null, string name = "input")
    {
        var problems = new List<IngestProblem>();
        var rows = InputReader.ReadStream(new MemoryStream(data), name, options ?? EventReadOptions.Default, problems.Add).ToList();
        return (rows, problems);
    }

    private static string Field(Row row, string name) => row.Get(name).ToDisplayString();

    private static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                s.Write(data);
            }
        }

        return ms.ToArray();
    }

    [Fact]
    public void DamagedZipEntryIsReportedByArchiveAndEntryAndTheOtherEntriesAreRead()
    {
        var other = File.ReadAllLines(Path.Combine(SharedData.RepoRoot, "tests/fixtures/founding/rms_sysmon.xml"))[0];
        var bad = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Repeat(other, 200)));
        var zip = Zip(("a_bad.xml", bad), ("b_good.xml", Encoding.UTF8.GetBytes(string.Join('\n', FoundingLines))));

        // Flip bytes inside the first entry's compressed data (after its 30-byte local header and name).
        var dataStart = 30 + "a_bad.xml".Length;
        for (var i = dataStart + 20; i < dataStart + 60; i++)
        {
            zip[i] ^= 0x5A;
        }

        var (rows, problems) = Read(zip, name: "logs.zip");
        Assert.Contains(problems, p => p.File == "logs.zip!a_bad.xml" && p.What == "zip entry" && p.Message.Contains("damaged compressed data", StringComparison.Ordinal));
        Assert.Equal(FoundingLines, rows.Select(r => r.Get(FieldTable.Raw).ToDisplayString()).Where(raw => raw != other));
    }

    [Fact]
    public void ZipBombEntryIsCutAtTheRatioLimitWithTheOtherEntryRead()
    {
        // 64 MB of one character in one line compresses to about 64 KB: 1,000 times.
        var line = new byte[64 << 20];
        Array.Fill(line, (byte)'A');
        line[0] = (byte)'{';
        var zip = Zip(("bomb.json", line), ("good.xml", Encoding.UTF8.GetBytes(Good + "\n")));
        var (rows, problems) = Read(zip, name: "bomb.zip");
        Assert.Contains(problems, p => p.File == "bomb.zip!bomb.json" && p.Message.Contains("times its compressed size", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.File == "bomb.zip!bomb.json" && p.Message.Contains("over the limit of", StringComparison.Ordinal));
        Assert.Single(rows);
        Assert.Equal("3", Field(rows[0], "EventCode"));
    }

    [Fact]
    public void ZipInsideZipIsReportedNotRead()
    {
        var inner = Zip(("x.xml", Encoding.UTF8.GetBytes(Good + "\n")));
        var (rows, problems) = Read(Zip(("inner.zip", inner), ("good.xml", Encoding.UTF8.GetBytes(Good + "\n"))), name: "outer.zip");
        Assert.Single(rows);
        Assert.Contains(problems, p => p.File == "outer.zip!inner.zip" && p.Message.Contains("zip inside a zip", StringComparison.Ordinal));
    }

    /// <summary>A stream of one huge line followed by valid events, produced as it is read (nothing this size exists in memory).</summary>
    private sealed class HugeLineStream(byte[] prefix, long fill, byte[] suffix) : ReadOnlyForwardStream
    {
        private long _pos;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var total = prefix.Length + fill + suffix.Length;
            var n = (int)Math.Min(count, total - _pos);
            for (var i = 0; i < n; i++, _pos++)
            {
                buffer[offset + i] = _pos < prefix.Length ? prefix[_pos]
                    : _pos < prefix.Length + fill ? (byte)'A'
                    : suffix[_pos - prefix.Length - fill];
            }

            return n;
        }

    }

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    public void LineOverTheLimitIsSkippedAsItIsReadWithoutHoldingIt(string format)
    {
        // 40 M characters in one line, then a valid event. Read on this thread (Threads = 1) so
        // that this thread's allocations are all the reading allocates.
        var prefix = Encoding.UTF8.GetBytes(format == "json" ? "{\"a\":\"" : "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1</EventID></System><EventData><Data Name='x'>");
        var suffix = Encoding.UTF8.GetBytes(format == "json"
            ? "\"}\n{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Image\":\"C:\\\\a.exe\"}\n"
            : "</Data></EventData></Event>\n" + Good + "\n");
        var options = new EventReadOptions { Threads = 1 };
        var problems = new List<IngestProblem>();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var rows = InputReader.ReadStream(new HugeLineStream(prefix, 40L << 20, suffix), "huge", options, problems.Add).ToList();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Single(rows);
        Assert.Contains(problems, p => p.Offset == 1 && p.Message.Contains($"over the limit of {EventReadOptions.DefaultMaxEventChars:N0}", StringComparison.Ordinal));
        Assert.True(allocated < 48L << 20, $"reading a 40 M character line allocated {allocated:N0} bytes; the limit is 4 M characters");
    }

    [Fact]
    public void TheEventSizeLimitIsConfigurable()
    {
        var big = Good.Replace("</EventData>", "<Data Name='Pad'>" + new string('p', 5000) + "</Data></EventData>", StringComparison.Ordinal);
        var data = Encoding.UTF8.GetBytes(big + "\n" + Good + "\n");
        var (small, problems) = Read(data, new EventReadOptions { MaxEventChars = 4000 });
        Assert.Single(small);
        Assert.Contains(problems, p => p.Offset == 1 && p.Message.Contains("over the limit of 4,000", StringComparison.Ordinal));
        var (large, none) = Read(data, new EventReadOptions { MaxEventChars = 8000 });
        Assert.Equal(2, large.Count);
        Assert.Empty(none);
    }

    [Fact]
    public void SecurityContentExampleLogsLoseNoEventToATruncatedOne()
    {
        // Line 1 (a 4104) is cut before </Event>; line 2 is the only Sysmon EventID 1. Line 23 (a
        // 7045) is cut too, at the end of the file. Each is reported and read as far as it goes.
        var file = SharedData.Require("datasets/security_content/data_sources/example_logs.xmlwineventlog.txt");
        var lines = File.ReadAllLines(file);
        var (rows, problems) = Read(File.ReadAllBytes(file), name: "example_logs");
        Assert.Equal(lines.Length, rows.Count);
        Assert.Equal(lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, "<EventID[^>]*>(\\d+)</EventID>").Groups[1].Value), rows.Select(r => Field(r, "EventCode")));
        Assert.Contains(rows, r => Field(r, "EventCode") == "1" && Field(r, "source") == "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational");
        Assert.Contains(problems, p => p.Offset == 1 && p.Message.Contains("no </Event> before the next <Event at line 2", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Offset == 23 && p.Message.Contains("file ends inside an event", StringComparison.Ordinal));
    }

    [Fact]
    public void CdataHoldingEventTagsMakesNoFakeEvent()
    {
        var payload = "<![CDATA[x</Data></EventData></Event><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1102</EventID><Channel>Security</Channel></System></Event>]]>";
        var withCdata = Good.Replace("<Data Name='RuleName'>", "<Data Name='RuleName'>" + payload, StringComparison.Ordinal);
        Assert.NotEqual(Good, withCdata);

        // On one line, and split over lines inside the CDATA section.
        foreach (var text in new[] { withCdata, withCdata.Replace("</Event><Event", "</Event>\n<Event", StringComparison.Ordinal) })
        {
            var (rows, _) = Read(Encoding.UTF8.GetBytes(text + "\n" + FoundingLines[1] + "\n"));
            Assert.Equal(2, rows.Count);
            Assert.DoesNotContain(rows, r => Field(r, "EventCode") == "1102");
            Assert.Equal(["3", "3"], rows.Select(r => Field(r, "EventCode")));
        }
    }

    public static TheoryData<string> JsonFieldPositions() =>
    [
        "EventID", "Channel", "Hostname", "SourceName", "ProviderGuid", "RecordNumber", "ExecutionProcessID", "ThreadID", "Version", "Level",
        "Task", "OpcodeValue", "Keywords", "UserID", "TimeCreated", "Image", "CommandLine", "key:Image",
    ];

    [Theory]
    [MemberData(nameof(JsonFieldPositions))]
    public void NoJsonValueOrNameChangesTheStructureOfTheEventItBecomes(string position)
    {
        // Attempts to close the element or attribute it is written into and add a field and a
        // whole "log cleared" event, in each quoting context the renderer uses.
        string[] payloads =
        [
            "x'/><Data Name='Injected'>yes</Data></EventData></Event><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1102</EventID><Channel>Security</Channel></System><EventData><Data Name='Injected'>yes</Data></EventData></Event>",
            "x</EventID><Channel>Security</Channel></System><EventData><Data Name='Injected'>yes</Data></EventData></Event>\n<Event xmlns='a'><System><EventID>1102</EventID></System></Event>",
            "x\"/><Data Name=\"Injected\">yes</Data>",
            "<![CDATA[</Event>]]><Event ><System><EventID>1102</EventID></System></Event>",
        ];
        foreach (var payload in payloads)
        {
            var fields = new Dictionary<string, object>
            {
                ["EventID"] = 1,
                ["Channel"] = "Microsoft-Windows-Sysmon/Operational",
                ["Hostname"] = "ws1",
                ["SourceName"] = "Microsoft-Windows-Sysmon",
                ["ProviderGuid"] = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
                ["RecordNumber"] = 7,
                ["ExecutionProcessID"] = 1,
                ["ThreadID"] = 2,
                ["Version"] = 5,
                ["Level"] = 4,
                ["Task"] = 1,
                ["OpcodeValue"] = 0,
                ["Keywords"] = "0x8000000000000000",
                ["UserID"] = "S-1-5-18",
                ["TimeCreated"] = "2020-10-21 12:19:09.136",
                ["Image"] = "C:\\a.exe",
                ["CommandLine"] = "a.exe",
            };
            if (position.StartsWith("key:", StringComparison.Ordinal))
            {
                fields.Remove(position[4..]);
                fields[payload] = "v";
            }
            else
            {
                fields[position] = payload;
            }

            var line = System.Text.Json.JsonSerializer.Serialize(fields);
            var (rows, _) = Read(Encoding.UTF8.GetBytes(line + "\n"));
            var row = Assert.Single(rows);
            Assert.False(row.Has(FieldTable.Intern("Injected")), $"{position}: a value added a field");

            // _raw read back as XmlWinEventLog (export, new-test datasets) is still one event with the same fields.
            var raw = row.Get(FieldTable.Raw).ToDisplayString();
            var (again, _) = Read(Encoding.UTF8.GetBytes(raw + "\n"));
            var back = Assert.Single(again);
            Assert.NotEqual("1102", Field(back, "EventCode"));
            Assert.False(back.Has(FieldTable.Intern("Injected")), $"{position}: _raw read back has an added field");
            foreach (var name in new[] { "EventCode", "Channel", "Computer", "Image", "CommandLine", "UserID", "EventRecordID" })
            {
                Assert.Equal(Field(row, name), Field(back, name));
            }
        }
    }

    [Fact]
    public void AbsurdTimesAreReplacedPerEventWithAWarningAndTheOthersKeepTheirs()
    {
        var lines = new[]
        {
            "{\"time\":1600000000,\"event\":\"first\"}",
            "{\"time\":1e300,\"event\":\"huge\"}",
            "{\"time\":1e400,\"event\":\"infinite\"}",
            "{\"time\":-5,\"event\":\"before 1970\"}",
            "{\"time\":1600000100,\"event\":\"last\"}",
        };
        var (rows, problems) = Read(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        Assert.Equal(5, rows.Count);
        Assert.Equal([1600000000, 1600000000, 1600000000, 1600000000, 1600000100], rows.Select(r => r.Time));
        Assert.Equal(3, problems.Count(p => p.What == "event time" && p.Message.Contains("event kept with the previous event's time", StringComparison.Ordinal)));
        Assert.Contains(problems, p => p.Offset == 2 && p.Message.Contains("time 1E+300 is not between 1970-01-01 and 9999-12-31", StringComparison.Ordinal));
    }

    [Fact]
    public void OutOfRangeSystemTimeInXmlGetsTheFallbackTime()
    {
        var year30828 = System.Text.RegularExpressions.Regex.Replace(FoundingLines[1], "SystemTime='[^']*'", "SystemTime='30828-09-14T02:48:05.4775807Z'");
        var year1601 = System.Text.RegularExpressions.Regex.Replace(FoundingLines[2], "SystemTime='[^']*'", "SystemTime='1601-01-01T00:00:00.0000000Z'");
        var (rows, problems) = Read(Encoding.UTF8.GetBytes(string.Join('\n', FoundingLines[0], year30828, year1601) + "\n"));
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(rows[0].Time, r.Time));
        Assert.Contains(problems, p => p.Offset == 2 && p.Message.Contains("SystemTime '30828-09-14T02:48:05.4775807Z'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Offset == 3 && p.Message.Contains("time -11644473600", StringComparison.Ordinal));
    }

    public static TheoryData<string> Encodings() => ["utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be"];

    [Theory]
    [MemberData(nameof(Encodings))]
    public void TextIsReadInUtf8WithAMarkAndInUtf16(string encodingName)
    {
        var (encoding, preamble) = encodingName switch
        {
            "utf8-bom" => ((Encoding)new UTF8Encoding(false), new byte[] { 0xEF, 0xBB, 0xBF }),
            "utf16le-bom" => (new UnicodeEncoding(false, false), new byte[] { 0xFF, 0xFE }),
            "utf16be-bom" => (new UnicodeEncoding(true, false), new byte[] { 0xFE, 0xFF }),
            "utf16le" => (new UnicodeEncoding(false, false), []),
            _ => (new UnicodeEncoding(true, false), []),
        };
        var json = "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Image\":\"C:\\\\ü.exe\"}\n";
        var (jsonRows, jsonProblems) = Read([.. preamble, .. encoding.GetBytes(json)]);
        Assert.Empty(jsonProblems);
        Assert.Equal("C:\\ü.exe", Field(Assert.Single(jsonRows), "Image"));

        var (xmlRows, xmlProblems) = Read([.. preamble, .. encoding.GetBytes(string.Join("\r\n", FoundingLines) + "\r\n")]);
        Assert.Empty(xmlProblems);
        Assert.Equal(FoundingLines.Length, xmlRows.Count);
    }

    [Fact]
    public void XmlAfterALongPrologOrLeadingWhiteSpaceIsFound()
    {
        var prolog = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- " + new string('c', 20_000) + " -->\n<Events>\n" + Good + "\n</Events>\n";
        Assert.Single(Read(Encoding.UTF8.GetBytes(prolog)).Rows);
        var blank = string.Concat(Enumerable.Repeat(" \r\n", 10_000)) + Good + "\n";
        Assert.Single(Read(Encoding.UTF8.GetBytes(blank)).Rows);
        var blankJson = new string('\n', 10_000) + "{\"time\":1600000000,\"event\":\"x\"}\n";
        Assert.Single(Read(Encoding.UTF8.GetBytes(blankJson)).Rows);
    }

    /// <summary>Endless lines that start like JSON; fails the test (instead of hanging it) if read past 64 MB.</summary>
    private sealed class EndlessBadJson : ReadOnlyForwardStream
    {
        private static readonly byte[] Line = Encoding.UTF8.GetBytes("{\"a\": nope\n");
        private long _pos;

        public override int Read(byte[] buffer, int offset, int count)
        {
            Assert.True(_pos < 64L << 20, "the reader kept reading a source with no JSON event in it");
            for (var i = 0; i < count; i++, _pos++)
            {
                buffer[offset + i] = Line[_pos % Line.Length];
            }

            return count;
        }

    }

    [Fact]
    public void ASourceThatOnlyLooksLikeJsonIsGivenUpAfterAThousandBadLines()
    {
        var problems = new List<IngestProblem>();
        var rows = InputReader.ReadStream(new EndlessBadJson(), "endless.json", EventReadOptions.Default, problems.Add).ToList();
        Assert.Empty(rows);
        Assert.Equal(1001, problems.Count);
        Assert.Equal("1,000 lines and not one JSON event: not JSON lines; the rest of the file is skipped", problems[^1].Message);
    }

    [Fact]
    public void RandomBytesAreReportedAsNoKnownFormat()
    {
        var bytes = new byte[10_000];
        new Random(14).NextBytes(bytes);
        bytes[0] = 0x01; // not a BOM, not a magic
        var (rows, problems) = Read(bytes, name: "random.evtx");
        Assert.Empty(rows);
        Assert.Contains(problems, p => p.File == "random.evtx" && p.What == "format detection");
    }
}
