using System.Globalization;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Store;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>
/// The founding detections carry their evidence in the demo and in a hunt; the hunt's timeline
/// filters keep exactly the hits they name; bad filter values stop the hunt before it runs.
/// </summary>
public class TimelineTests
{
    private static readonly string Root = SharedData.RepoRoot;

    private static string[] FoundingHunt(string outDir, params string[] extra) =>
    [
        "hunt", "--content", Path.Combine(Root, "tests/detection-tests/content"),
        "--input", Path.Combine(Root, "tests/fixtures/founding/regasm_sysmon.xml"),
        "--input", Path.Combine(Root, "tests/fixtures/founding/rms_sysmon.xml"),
        "--out", outDir, "--format", "json", .. extra,
    ];

    private static List<JsonElement> Lines(string file) => [.. File.ReadLines(file).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public void TheDemoNotablesOfBothFoundingDetectionsNameTheirEvents()
    {
        var r = EscudoProcess.Run("demo", "--format", "json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var notables = lines.Where(l => l.TryGetProperty("rule_title", out _)).ToList();
        foreach (var name in new[] { "Detect Regasm with Network Connection", "Windows Remote Access Software RMS Registry" })
        {
            var mine = notables.Where(n => n.GetProperty("rule_name").GetString() == name).ToList();
            Assert.NotEmpty(mine);
            foreach (var n in mine)
            {
                var evidence = n.GetProperty("escudo_evidence").EnumerateArray().ToList();
                Assert.NotEmpty(evidence);
                Assert.All(evidence, e =>
                {
                    Assert.Equal("demo/sysmon.xml", e.GetProperty("file").GetString());
                    Assert.Equal("Microsoft-Windows-Sysmon/Operational", e.GetProperty("channel").GetString());
                    Assert.Matches(@"^\d+$", e.GetProperty("record").GetString());
                });
                Assert.Equal(evidence.Count.ToString(CultureInfo.InvariantCulture), n.GetProperty("escudo_evidence_count").GetString());
            }
        }

        // Risk events carry the same provenance as their notables.
        Assert.All(lines.Where(l => l.TryGetProperty("risk_object", out _)), x => Assert.NotEmpty(x.GetProperty("escudo_evidence").EnumerateArray()));
    }

    [Fact]
    public void FoundingHitsNameTheirFixtureRecordsAndTheFiltersKeepExactlyWhatTheyName()
    {
        var all = Directory.CreateTempSubdirectory("escudo-timeline-");
        try
        {
            var r = EscudoProcess.Run(FoundingHunt(all.FullName));
            Assert.True(r.ExitCode == 0, r.Stderr);
            var lines = Lines(Path.Combine(all.FullName, "timeline.jsonl"));
            Assert.Equal(5, lines.Count); // 2 regasm + 3 RMS results
            var regasm = lines.Where(l => l.GetProperty("detection").GetString() == "Detect Regasm with Network Connection").ToList();
            Assert.Equal(2, regasm.Count);
            Assert.All(lines, l => Assert.All(l.GetProperty("evidence").EnumerateArray(), e => Assert.EndsWith("_sysmon.xml", e.GetProperty("file").GetString(), StringComparison.Ordinal)));

            // The regasm fixture: record 101 is at 2024-03-04T10:00:05.1234567Z.
            var refs = regasm.SelectMany(l => l.GetProperty("evidence").EnumerateArray()).ToList();
            var expected = (DateTimeOffset.Parse("2024-03-04T10:00:05.1234567Z", CultureInfo.InvariantCulture).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 1e7;
            Assert.Contains(refs, e => e.GetProperty("record").GetString() == "101" && Math.Abs(double.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture) - expected) < 1e-6);

            Check(["--technique", "T1219"], l => l.GetProperty("mitre_technique").EnumerateArray().Any(t => t.GetString() == "T1219"), 3);
            Check(["--technique", "T1218"], l => l.GetProperty("detection").GetString() == "Detect Regasm with Network Connection", 2);
            Check(["--min-risk", "85"], l => double.Parse(l.GetProperty("risk_score").GetString()!, CultureInfo.InvariantCulture) >= 85, 3);
            Check(["--severity", "critical"], l => l.GetProperty("severity").GetString() == "critical", null);
            Check(["--story", "no such story"], _ => false, 0);
            var middle = lines[2].GetProperty("time").GetString()!;
            Check(["--earliest", middle], l => string.CompareOrdinal(l.GetProperty("time").GetString(), middle) >= 0, null);
            Check(["--latest", middle], l => string.CompareOrdinal(l.GetProperty("time").GetString(), middle) < 0, null);

            void Check(string[] filter, Func<JsonElement, bool> expected, int? count)
            {
                var dir = Directory.CreateTempSubdirectory("escudo-timeline-");
                try
                {
                    var f = EscudoProcess.Run(FoundingHunt(dir.FullName, filter));
                    Assert.True(f.ExitCode == 0, f.Stderr);
                    var kept = Lines(Path.Combine(dir.FullName, "timeline.jsonl")).Select(l => l.ToString()).ToList();
                    Assert.Equal(lines.Where(expected).Select(l => l.ToString()), kept);
                    if (count is { } n)
                    {
                        Assert.Equal(n, kept.Count);
                    }

                    // The filters choose timeline lines; notables.jsonl keeps every hit.
                    Assert.Equal(5, File.ReadLines(Path.Combine(dir.FullName, "notables.jsonl")).Count());
                }
                finally
                {
                    dir.Delete(recursive: true);
                }
            }
        }
        finally
        {
            all.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--severity", "urgent", "--severity urgent")]
    [InlineData("--earliest", "yesterday-ish", "--earliest yesterday-ish")]
    [InlineData("--min-risk", "-1", "--min-risk -1")]
    [InlineData("--evidence", "-3", "--evidence -3")]
    public void ABadFilterStopsTheHuntBeforeItRunsAndSaysWhy(string flag, string value, string message)
    {
        var dir = Path.Combine(Path.GetTempPath(), "escudo-timeline-" + Guid.NewGuid().ToString("N"));
        var r = EscudoProcess.Run(FoundingHunt(dir, flag, value));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir), "outputs were written despite the bad option");
    }

    [Fact]
    public void TheTimelineCsvQuotesAndDefusesWhatAttackersWrite()
    {
        var dir = Directory.CreateTempSubdirectory("escudo-timeline-");
        try
        {
            // A result field holding a quote, a comma, a line break and a spreadsheet formula.
            var hostile = "=HYPERLINK(\"http://x\",\"a,b\")\nsecond line";
            var run = new Escudo.Detections.Running.DetectionRun(new Escudo.Detections.Content.Detection { Name = "Hostile", Id = "id" }, [], [], [], null, "search");
            var result = new Row();
            result.Set("dest", Value.FromString(hostile));
            var notable = Escudo.Detections.Output.AlertBuilder.Notable(run.Detection, result, 1_700_000_000);
            run.Results.Add(result);
            run.Notables.Add(notable);
            var path = Path.Combine(dir.FullName, "timeline.csv");
            Escudo.Cli.Commands.HuntTimeline.WriteCsv(path, Escudo.Cli.Commands.HuntTimeline.Hits([run]));

            using var reader = CsvHelper.CsvReader.FromFile(path, new CsvHelper.CsvReaderOptions { HasHeader = false });
            Assert.True(reader.Read());
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToList();
            Assert.True(reader.Read());
            var host = reader.GetString(columns.IndexOf("host"));
            Assert.False(reader.Read()); // the line break stayed inside its field
            Assert.NotEqual('=', host[0]); // escaped, so a spreadsheet shows text instead of running it
            Assert.EndsWith(hostile, host, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void TransactionAndStatsResultsStandForAllTheirEvents()
    {
        var origin = EventOrigins.Intern("unit.evtx", "Security", "pc1", recordIsPosition: false);
        var events = new List<Row>();
        for (var i = 0; i < 30; i++)
        {
            var r = new Row();
            r.Set(FieldTable.Time, Value.FromNumber(1000 + i));
            r.Set("host", Value.FromString("pc" + (i % 2)));
            r.Ref = new EventRef(origin, 500 + i, 1000 + i);
            events.Add(r);
        }

        var ctx = new SearchContext { Events = new MemoryStore(events), DataModels = new MemoryStore(events) };
        foreach (var search in new[] { "* | transaction host", "* | stats count by host", "* | stats count by host | stats sum(count) as n" })
        {
            var compiled = SplEngine.Compile(search, ctx);
            Assert.True(compiled.Success, compiled.Diagnostic?.Message);
            var rows = compiled.Search!.Run().ToList();
            Assert.Equal(30, rows.Sum(x => x.Evidence!.Count));
            foreach (var row in rows)
            {
                var e = row.Evidence!;
                Assert.Equal(Math.Min(10, e.Count), e.Refs.Length); // the default limit, first events first
                Assert.Equal(e.Refs.ToArray().OrderBy(x => x.Record).Select(x => x.Record), e.Refs.ToArray().Select(x => x.Record));
                Assert.Equal(e.Refs[0].Time, e.FirstTime);
            }
        }

        Assert.Equal(1029, SplEngine.Compile("* | stats count", ctx).Search!.Run().Single().Evidence!.LastTime);
    }

    [Fact]
    public void ACorrelationOverTheRiskEventsOfOneResultCountsItsEventsOnce()
    {
        var origin = EventOrigins.Intern("unit.evtx", "Security", "pc1", recordIsPosition: false);
        var shared = new Evidence();
        shared.Add(new EventRef(origin, 7, 100));
        shared.Add(new EventRef(origin, 8, 200));

        // One result with two risk objects: two risk events sharing the result's evidence.
        var risks = new[] { "bob", "pc1" }.Select(o =>
        {
            var r = new Row { Evidence = shared };
            r.Set("risk_object", Value.FromString(o));
            r.Set("risk_score", Value.FromNumber(50));
            return r;
        }).ToList();
        var ctx = new SearchContext { Events = new MemoryStore(risks), DataModels = new MemoryStore(risks) };
        var row = SplEngine.Compile("* | stats sum(risk_score) as score", ctx).Search!.Run().Single();
        Assert.Equal(2, row.Evidence!.Count);
        Assert.Equal([7L, 8L], row.Evidence.Refs.ToArray().Select(r => r.Record));
        Assert.Equal(100, row.Evidence.FirstTime);
        Assert.Equal(200, row.Evidence.LastTime);
    }
}
