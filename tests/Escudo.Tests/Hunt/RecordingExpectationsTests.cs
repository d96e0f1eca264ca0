using System.Globalization;
using System.Text;
using Escudo.Detections.Content;
using Escudo.Detections.Running;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Hunt;

/// <summary>
/// Real attack recordings from the shared datasets, each hunted with every ESCU detection that
/// <c>escudo hunt</c> runs by default (not deprecated, not experimental, not correlation). The
/// expectations file <c>tests/hunt-expectations/recordings.txt</c> states, per recording, which
/// detections fire and why that is right (checked by reading the events), and which plausible
/// ones do not fire and why. The fired set must equal the listed <c>fires:</c> set, so the file is
/// complete; <c>does-not-fire:</c> detections must exist, run without error and not fire; lines
/// marked <c># suspect:</c> name fired detections judged to be engine mistakes and are neither
/// required nor forbidden.
/// </summary>
public class RecordingExpectationsTests
{
    private const double Now = 1_700_000_000;

    private static readonly Lazy<ContentFolder> Content = new(() => ContentFolder.Load(SharedData.Require("escu")));

    private static readonly Lazy<List<Detection>> Selected = new(() => Content.Value.Detections
        .Where(d => !d.IsDeprecated)
        .Where(d => !d.Status.Equals("experimental", StringComparison.OrdinalIgnoreCase))
        .Where(d => !d.Type.Equals("Correlation", StringComparison.OrdinalIgnoreCase))
        .ToList());

    private static readonly Lazy<IReadOnlyList<RecordingExpectation>> Expectations = new(() =>
        RecordingExpectation.Parse(File.ReadAllLines(ExpectationsFile)));

    private static string ExpectationsFile => Path.Combine(SharedData.RepoRoot, "tests", "hunt-expectations", "recordings.txt");

    public static TheoryData<string> Recordings()
    {
        var data = new TheoryData<string>();
        foreach (var e in Expectations.Value)
        {
            data.Add(e.Path);
        }

        return data;
    }

    [Fact]
    public void TheFileCoversAtLeastTwentyRecordingsEachWithFiresAndPlausibleMisses()
    {
        var all = Expectations.Value;
        Assert.True(all.Count >= 20, $"only {all.Count} recordings in {ExpectationsFile}");
        Assert.Equal(all.Count, all.Select(e => e.Path).Distinct(StringComparer.Ordinal).Count());
        foreach (var e in all)
        {
            Assert.True(e.Fires.Count > 0, $"{e.Path}: no `fires:` line");
            Assert.True(e.DoesNotFire.Count > 0, $"{e.Path}: no `does-not-fire:` line");
            Assert.False(string.IsNullOrWhiteSpace(e.Attack), $"{e.Path}: no `attack:` line");
            foreach (var line in e.Fires.Concat(e.DoesNotFire).Concat(e.Suspect))
            {
                Assert.False(string.IsNullOrWhiteSpace(line.Why), $"{e.Path}: `{line.Detection}` has no reason after ::");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void FiredDetectionsAreExactlyTheListedOnes(string recording)
    {
        var expected = Expectations.Value.Single(e => e.Path == recording);
        var byName = Selected.Value.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var problems = new StringBuilder();
        foreach (var line in expected.Fires.Concat(expected.DoesNotFire).Concat(expected.Suspect))
        {
            if (!byName.ContainsKey(line.Detection))
            {
                problems.AppendLine(CultureInfo.InvariantCulture, $"  unknown or not-selected detection: `{line.Detection}`");
            }
        }

        var engine = new DetectionEngine(Content.Value);
        var pass = new SharedPass(engine, Selected.Value, Now);
        foreach (var row in InputReader.Read(Path.Combine(SharedData.Require("datasets"), recording)))
        {
            pass.Add(row);
        }

        Assert.True(pass.EventCount > 0, $"{recording}: no events read");
        var runs = pass.Run().ToDictionary(r => r.Detection.Name, StringComparer.Ordinal);
        var fired = runs.Values.Where(r => r.Fired).Select(r => r.Detection.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var line in expected.Fires.Where(l => !fired.Contains(l.Detection)))
        {
            problems.AppendLine(CultureInfo.InvariantCulture, $"  listed under fires: but did not fire: `{line.Detection}`{ErrorOf(runs, line.Detection)}");
        }

        foreach (var line in expected.DoesNotFire)
        {
            if (fired.Contains(line.Detection))
            {
                problems.AppendLine(CultureInfo.InvariantCulture, $"  listed under does-not-fire: but fired: `{line.Detection}` ({runs[line.Detection].Results.Count} results)");
            }
            else if (runs.TryGetValue(line.Detection, out var run) && run.Error is not null)
            {
                problems.AppendLine(CultureInfo.InvariantCulture, $"  does-not-fire: `{line.Detection}` could not run at all, so its silence says nothing: {run.Error}");
            }
        }

        var listed = expected.Fires.Concat(expected.Suspect).Select(l => l.Detection).ToHashSet(StringComparer.Ordinal);
        foreach (var name in fired.Where(n => !listed.Contains(n)).Order(StringComparer.Ordinal))
        {
            problems.AppendLine(CultureInfo.InvariantCulture, $"  fired but not listed (add it under fires: or # suspect:): `{name}` ({runs[name].Results.Count} results)");
        }

        Assert.True(problems.Length == 0, $"{recording}:{Environment.NewLine}{problems}");
    }

    private static string ErrorOf(Dictionary<string, DetectionRun> runs, string name) =>
        runs.TryGetValue(name, out var r) && r.Error is not null ? $" (could not run: {r.Error})" : string.Empty;
}

/// <summary>One line of an expectation block: a detection name and the reason, split at " :: ".</summary>
public sealed record ExpectationLine(string Detection, string Why);

/// <summary>
/// One block of <c>recordings.txt</c>:
/// <code>
/// recording: &lt;path relative to datasets/&gt;
/// attack: &lt;what the recording shows&gt;
/// fires: &lt;detection name&gt; :: &lt;why that is right&gt;
/// does-not-fire: &lt;detection name&gt; :: &lt;why not&gt;
/// # suspect: &lt;detection name&gt; :: &lt;why the result looks like an engine mistake&gt;
/// </code>
/// <c>every-recording: &lt;detection name&gt; :: &lt;why&gt;</c> lines before the first block are
/// <c>fires:</c> lines of every block (a detection that fires whatever the input). Other lines starting with <c>#</c> are comments; blank lines are ignored.
/// </summary>
public sealed class RecordingExpectation
{
    public required string Path { get; init; }

    public string Attack { get; set; } = string.Empty;

    public List<ExpectationLine> Fires { get; } = [];

    public List<ExpectationLine> DoesNotFire { get; } = [];

    public List<ExpectationLine> Suspect { get; } = [];

    public static IReadOnlyList<RecordingExpectation> Parse(IEnumerable<string> lines)
    {
        var result = new List<RecordingExpectation>();
        RecordingExpectation? current = null;
        var everyRecording = new List<ExpectationLine>();
        var n = 0;
        foreach (var raw in lines)
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (TryValue(line, "# suspect:", out var suspect))
            {
                Current().Suspect.Add(Split(suspect));
            }
            else if (line.StartsWith('#'))
            {
                continue;
            }
            else if (TryValue(line, "every-recording:", out var every))
            {
                if (current is not null)
                {
                    throw new FormatException($"recordings.txt line {n}: `every-recording:` lines come before the first `recording:` line");
                }

                everyRecording.Add(Split(every));
            }
            else if (TryValue(line, "recording:", out var path))
            {
                current = new RecordingExpectation { Path = path };
                current.Fires.AddRange(everyRecording);
                result.Add(current);
            }
            else if (TryValue(line, "attack:", out var attack))
            {
                Current().Attack = attack;
            }
            else if (TryValue(line, "fires:", out var fires))
            {
                Current().Fires.Add(Split(fires));
            }
            else if (TryValue(line, "does-not-fire:", out var miss))
            {
                Current().DoesNotFire.Add(Split(miss));
            }
            else
            {
                throw new FormatException($"recordings.txt line {n}: unrecognised line `{line}`");
            }
        }

        return result;

        RecordingExpectation Current() => current ?? throw new FormatException($"recordings.txt line {n}: expectation before the first `recording:` line");

        ExpectationLine Split(string value)
        {
            var at = value.IndexOf(" :: ", StringComparison.Ordinal);
            return at < 0
                ? throw new FormatException($"recordings.txt line {n}: expected `<detection name> :: <why>`")
                : new ExpectationLine(value[..at].Trim(), value[(at + 4)..].Trim());
        }
    }

    private static bool TryValue(string line, string prefix, out string value)
    {
        if (line.StartsWith(prefix, StringComparison.Ordinal))
        {
            value = line[prefix.Length..].Trim();
            return true;
        }

        value = string.Empty;
        return false;
    }
}
