using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Hunt;

/// <summary>Runs <c>escudo hunt</c> once over the whole shared dataset folder for the tests that read its outputs.</summary>
public sealed class HuntOverDatasets : IDisposable
{
    public HuntOverDatasets()
    {
        Out = Path.Combine(Path.GetTempPath(), "escudo-provenance-" + Guid.NewGuid().ToString("N"));
        Result = EscudoProcess.Run(TimeSpan.FromMinutes(20), "hunt", "--content", SharedData.Require("escu"), "--input", SharedData.Require("datasets"), "--out", Out, "--format", "json");
    }

    public string Out { get; }

    public EscudoProcess.Result Result { get; }

    public List<JsonElement> Lines(string file) => [.. File.ReadLines(Path.Combine(Out, file)).Select(l => JsonDocument.Parse(l).RootElement)];

    public void Dispose()
    {
        if (Directory.Exists(Out))
        {
            Directory.Delete(Out, recursive: true);
        }
    }
}

/// <summary>
/// Every hit can be traced to the events that made it (issue 15): each notable of a hunt over the
/// shared datasets names the file and record of its events, those records really are in those
/// files with those times, channels and computers, and the timeline is in event time.
/// </summary>
public partial class ProvenanceTests(HuntOverDatasets hunt) : IClassFixture<HuntOverDatasets>
{
    [GeneratedRegex(@"\|\s*stats\b(?<args>[^|]*)", RegexOptions.IgnoreCase)]
    private static partial Regex StatsCommand();

    [Fact]
    public void EveryNotableNamesTheFileAndRecordOfItsEvents()
    {
        Assert.True(hunt.Result.ExitCode == 0, hunt.Result.Stderr);
        var notables = hunt.Lines("notables.jsonl");
        Assert.True(notables.Count > 1000, $"only {notables.Count} notables: the test says little");
        var content = ContentFolder.Load(SharedData.Require("escu")).Detections.ToDictionary(d => d.Id);
        var withoutEvents = 0;
        foreach (var n in notables)
        {
            var name = n.GetProperty("search_name").GetString();
            var evidence = n.GetProperty("escudo_evidence");
            if (evidence.GetArrayLength() == 0)
            {
                // Only a result no event made names no event: a stats without by-fields answers
                // one row over no input, as Splunk's does, and says it was made from 0 events.
                Assert.Equal("0", n.GetProperty("escudo_evidence_count").GetString());
                var search = content[n.GetProperty("rule_id").GetString()!].Search;
                var stats = StatsCommand().Match(search);
                Assert.True(stats.Success && !Regex.IsMatch(stats.Groups["args"].Value, @"\bby\b", RegexOptions.IgnoreCase), $"{name} has no evidence but is not a stats without by-fields");
                withoutEvents++;
                continue;
            }

            var refs = evidence.EnumerateArray().ToList();
            Assert.NotEmpty(refs);
            Assert.True(refs.Count <= 10, $"{name}: {refs.Count} references, more than the default 10");
            var count = long.Parse(n.GetProperty("escudo_evidence_count").GetString()!, CultureInfo.InvariantCulture);
            Assert.True(count >= refs.Count, name);
            foreach (var r in refs)
            {
                Assert.False(string.IsNullOrEmpty(r.GetProperty("file").GetString()), name);
                Assert.True(r.TryGetProperty("record", out _) || r.TryGetProperty("position", out _), $"{name}: a reference without record or position");
                Assert.True(r.TryGetProperty("time", out _), $"{name}: a reference without event time");
            }

            // First and last event times bound every event kept.
            var first = double.Parse(n.GetProperty("escudo_first_time").GetString()!, CultureInfo.InvariantCulture);
            var last = double.Parse(n.GetProperty("escudo_last_time").GetString()!, CultureInfo.InvariantCulture);
            Assert.All(refs, r => Assert.InRange(double.Parse(r.GetProperty("time").GetString()!, CultureInfo.InvariantCulture), first, last));
        }

        Assert.True(withoutEvents < 5, $"{withoutEvents} notables made from no events");
    }

    [Fact]
    public void EveryNamedRecordIsInItsFileWithThatTimeChannelAndComputer()
    {
        Assert.True(hunt.Result.ExitCode == 0, hunt.Result.Stderr);
        var refs = hunt.Lines("notables.jsonl")
            .Where(n => n.TryGetProperty("escudo_evidence", out _))
            .SelectMany(n => n.GetProperty("escudo_evidence").EnumerateArray())
            .Select(r => (
                File: r.GetProperty("file").GetString()!,
                Record: r.TryGetProperty("record", out var rec) ? rec.GetString()! : null,
                Position: r.TryGetProperty("position", out var pos) ? long.Parse(pos.GetString()!, CultureInfo.InvariantCulture) : 0,
                Time: r.GetProperty("time").GetString()!,
                Channel: r.TryGetProperty("channel", out var c) ? c.GetString() : null,
                Computer: r.TryGetProperty("computer", out var m) ? m.GetString() : null))
            .Distinct()
            .ToList();
        Assert.True(refs.Count > 1000, $"only {refs.Count} distinct references");

        var channelId = FieldTable.Intern("Channel");
        var computerId = FieldTable.Intern("Computer");
        var recordId = FieldTable.Intern("EventRecordID");
        foreach (var byFile in refs.GroupBy(r => r.File))
        {
            // Read the file again; an archive entry (a.zip!entry) is read through its archive.
            var path = byFile.Key;
            var bang = path.IndexOf(".zip!", StringComparison.OrdinalIgnoreCase);
            var outer = bang >= 0 ? path[..(bang + 4)] : path;
            var records = new Dictionary<string, List<(string Time, string? Channel, string? Computer)>>(StringComparer.Ordinal);
            var positions = new List<string>();
            foreach (var ev in InputReader.Read(outer))
            {
                if (bang >= 0 && EventOrigins.Get(ev.Ref.Origin)?.Input != path)
                {
                    continue;
                }

                var time = Value.FromNumber(ev.Time).ToDisplayString();
                positions.Add(time);
                var rec = ev.Get(recordId);
                if (!rec.IsNull)
                {
                    var key = rec.ToDisplayString();
                    if (!records.TryGetValue(key, out var list))
                    {
                        records[key] = list = [];
                    }

                    list.Add((time, ev.Get(channelId).RawString, ev.Get(computerId).RawString ?? ev.Get(FieldTable.Host).RawString));
                }
            }

            Assert.True(positions.Count > 0, $"{path}: no events read back");
            foreach (var r in byFile)
            {
                if (r.Record is null)
                {
                    Assert.True(r.Position >= 1 && r.Position <= positions.Count, $"{path}: position {r.Position} past its {positions.Count} events");
                    Assert.Equal(r.Time, positions[(int)(r.Position - 1)]);
                    continue;
                }

                Assert.True(records.TryGetValue(r.Record, out var found), $"{path}: no record {r.Record}");
                Assert.Contains((r.Time, r.Channel, r.Computer), found!);
            }
        }
    }

    [Fact]
    public void TheTimelineIsInEventTimeAndEachLineHasItsEventsTime()
    {
        Assert.True(hunt.Result.ExitCode == 0, hunt.Result.Stderr);
        var lines = hunt.Lines("timeline.jsonl");
        Assert.Equal(hunt.Lines("notables.jsonl").Count, lines.Count); // no filter: one line per hit
        var timed = lines.TakeWhile(l => l.TryGetProperty("_time", out _)).ToList();
        Assert.All(lines.Skip(timed.Count), l => Assert.False(l.TryGetProperty("_time", out _), "a timed line after the untimed ones"));
        var times = timed.Select(l => double.Parse(l.GetProperty("_time").GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order(), times);
        Assert.True(times[0] < times[^1], "all hits at one time: the order says nothing");
        foreach (var l in timed)
        {
            var t = l.GetProperty("_time").GetString()!;
            var evidence = l.GetProperty("evidence").EnumerateArray().Select(r => r.GetProperty("time").GetString()!).ToList();
            var count = long.Parse(l.GetProperty("event_count").GetString()!, CultureInfo.InvariantCulture);
            var earliestKept = evidence.Min(x => double.Parse(x, CultureInfo.InvariantCulture));
            if (count == evidence.Count)
            {
                // Every event is listed: the line's time is the earliest of theirs.
                Assert.Equal(Value.FromNumber(earliestKept).ToDisplayString(), t);
            }
            else
            {
                Assert.True(double.Parse(t, CultureInfo.InvariantCulture) <= earliestKept, "the line is later than one of its events");
            }

            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(double.Parse(t, CultureInfo.InvariantCulture) * 1000)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), l.GetProperty("time").GetString());
        }

        // The CSV holds the same lines in the same order.
        using var reader = CsvHelper.CsvReader.FromFile(Path.Combine(hunt.Out, "timeline.csv"), new CsvHelper.CsvReaderOptions { HasHeader = false });
        var csvTimes = new List<string>();
        var header = true;
        while (reader.Read())
        {
            if (header)
            {
                Assert.Equal("time", reader.GetString(0));
                header = false;
                continue;
            }

            csvTimes.Add(reader.GetString(0));
        }

        Assert.Equal(lines.Select(l => l.GetProperty("time").GetString()), csvTimes);
    }

    [Fact]
    public void TheSummaryKeepsTheContractShapeAndAddsReadinessAndTopHits()
    {
        Assert.True(hunt.Result.ExitCode == 0, hunt.Result.Stderr);
        using var doc = JsonDocument.Parse(hunt.Result.Stdout);
        var s = doc.RootElement;
        Assert.True(s.GetProperty("events").GetInt64() > 100_000);
        var det = s.GetProperty("detections");
        foreach (var key in new[] { "total", "run", "unsupported", "fired" })
        {
            Assert.True(det.GetProperty(key).GetInt32() >= 0, key);
        }

        Assert.Equal(JsonValueKind.Array, s.GetProperty("results").ValueKind);
        Assert.Equal(JsonValueKind.Array, s.GetProperty("unsupported").ValueKind);
        Assert.True(s.GetProperty("seconds").GetDouble() > 0);

        var readiness = s.GetProperty("readiness");
        var ready = readiness.GetProperty("ready").GetInt32();
        var blind = readiness.GetProperty("blind").GetInt32();
        Assert.True(ready > 0 && blind > 0, "the datasets hold some data sources and lack others");
        Assert.Equal(det.GetProperty("run").GetInt32() + det.GetProperty("unsupported").GetInt32(), ready + blind + readiness.GetProperty("unknown").GetInt32());
        var top = s.GetProperty("top_hits").EnumerateArray().ToList();
        Assert.Equal(10, top.Count);
        Assert.All(top, t => Assert.Matches(@"^\d{4}-\d\d-\d\dT", t.GetProperty("first_seen").GetString()));
        var firstSeen = top.Select(t => t.GetProperty("first_seen").GetString()).ToList();
        Assert.Equal(firstSeen.Order(StringComparer.Ordinal), firstSeen); // shown in event time
    }
}
