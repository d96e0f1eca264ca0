using System.Globalization;
using Escudo.Cli.Commands;
using Escudo.Core.Events;
using Escudo.Detections.Content;
using Escudo.Detections.Running;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Xml;
using Escudo.Tests.Support;
using Xunit.Abstractions;

namespace Escudo.Tests.Content;

/// <summary>
/// Mutation fuzzing of detection content (issue 14): real ESCU detections, damaged by
/// <see cref="DetectionMutator"/>, go through what `escudo check` does (load, expand macros, parse,
/// plan) and a short in-process hunt over generated Sysmon events, then `escudo check` and
/// `escudo hunt` run over all of them as processes. No exception may escape, every
/// mutant must be a detection or be listed invalid with a reason, and no engine failure may hide
/// behind a reason. The default run is a few hundred mutants; run it longer by hand with
/// ESCUDO_FUZZ_ITERATIONS and ESCUDO_FUZZ_SEED (CONTRIBUTING.md).
/// </summary>
public class DetectionFuzzTests(ITestOutputHelper output)
{
    private const int DefaultIterations = 200;
    private const int DefaultSeed = 14;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    [Fact]
    public void MutatedEscuDetectionsAreCheckedAndHuntedWithoutEscapingOrVanishing()
    {
        var escu = SharedData.Require("escu");
        var iterations = Setting("ESCUDO_FUZZ_ITERATIONS", DefaultIterations);
        var seed = Setting("ESCUDO_FUZZ_SEED", DefaultSeed);
        var sources = Directory.GetFiles(Path.Combine(escu, "detections"), "*.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var mutator = new DetectionMutator(seed);
        var pick = new Random(seed);

        using var content = TempContent.Empty();
        // The real macros and lookups, so that mutated searches expand and plan as ESCU's do.
        Directory.CreateSymbolicLink(Path.Combine(content.Root, "macros"), Path.Combine(escu, "macros"));
        Directory.CreateSymbolicLink(Path.Combine(content.Root, "lookups"), Path.Combine(escu, "lookups"));
        var mutations = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < iterations; i++)
        {
            var source = sources[pick.Next(sources.Length)];
            var (bytes, what) = mutator.Mutate(File.ReadAllText(source));
            var rel = $"detections/fuzz/case_{i:D5}.yml";
            Directory.CreateDirectory(Path.Combine(content.Root, "detections", "fuzz"));
            File.WriteAllBytes(Path.Combine(content.Root, rel), bytes);
            mutations[rel] = $"{Path.GetFileName(source)}: {what}";
        }

        string Case(string file) => $"{file} (seed {seed}, from {mutations.GetValueOrDefault(file, "?")})";

        // Load: no exception, and every mutant accounted for exactly once.
        var folder = ContentFolder.Load(content.Root);
        var accounted = folder.Detections.Select(d => d.File).Concat(folder.Invalid.Select(d => d.File)).ToList();
        Assert.Equal(iterations, accounted.Count);
        Assert.Equal(mutations.Keys.Order(StringComparer.Ordinal), accounted.Order(StringComparer.Ordinal));
        Assert.All(folder.Invalid, d => Assert.False(string.IsNullOrWhiteSpace(d.Reason), Case(d.File)));
        Assert.All(folder.Detections, d => Assert.False(string.IsNullOrWhiteSpace(d.Name) || string.IsNullOrWhiteSpace(d.Id) || string.IsNullOrWhiteSpace(d.Search), Case(d.File)));

        // Check (expand, parse, plan): a reason or nothing, never an engine failure in disguise.
        var failures = new List<string>();
        var engine = new DetectionEngine(folder);
        var unsupported = CheckEach(engine, folder.Detections, Case, failures);

        // A short hunt: the shared pass over generated Sysmon events, every detection gets a run.
        var xml = DemoData.XmlLines(new DateTime(2024, 3, 4, 10, 0, 0, DateTimeKind.Utc));
        var generated = XmlWinEventLogReader.Read(new StringReader(xml), "fuzz", EventReadOptions.Default, null).ToList();
        var now = new DateTimeOffset(2024, 3, 4, 11, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var runs = Hunt(engine, folder.Detections, generated, now, failures);

        if (runs.Count > 0)
        {
            Assert.Equal(folder.Detections.Count, runs.Count);
        }

        foreach (var run in runs.Where(r => r.Error is not null && (r.Error.StartsWith("internal error", StringComparison.Ordinal) || r.Error.StartsWith("run-time error", StringComparison.Ordinal))))
        {
            failures.Add($"hunt: {Case(run.Detection.File)}: {run.Error}");
        }

        // The commands themselves, as CI calls them: an exit code and totals that count every mutant.
        var events = Path.Combine(content.Root, "events.log");
        File.WriteAllText(events, xml);
        var check = EscudoProcess.Run("check", "--content", content.Root, "--include-deprecated", "--format", "json");
        if (check.ExitCode != 0 || check.Stderr.Contains("Unhandled exception", StringComparison.Ordinal))
        {
            failures.Add($"escudo check: exit {check.ExitCode}: {check.Stderr}");
        }
        else
        {
            using var doc = System.Text.Json.JsonDocument.Parse(check.Stdout);
            Assert.Equal(iterations, doc.RootElement.GetProperty("total").GetInt32());
            Assert.Equal(folder.Detections.Count - unsupported, doc.RootElement.GetProperty("supported").GetInt32());
        }

        var hunt = EscudoProcess.Run("hunt", "--content", content.Root, "--input", events, "--now", now.ToString(CultureInfo.InvariantCulture), "--format", "json");
        if (hunt.ExitCode is not (0 or 1) || hunt.Stderr.Contains("Unhandled exception", StringComparison.Ordinal))
        {
            failures.Add($"escudo hunt: exit {hunt.ExitCode}: {hunt.Stderr}");
        }
        else
        {
            // Experimental detections are left out unless asked; every other mutant is run or listed unsupported.
            using var doc = System.Text.Json.JsonDocument.Parse(hunt.Stdout);
            var detections = doc.RootElement.GetProperty("detections");
            Assert.Equal(iterations, detections.GetProperty("total").GetInt32() + detections.GetProperty("not_selected").GetInt32());
            Assert.Equal(detections.GetProperty("total").GetInt32(), detections.GetProperty("run").GetInt32() + detections.GetProperty("unsupported").GetInt32());
        }

        output.WriteLine($"seed {seed}: {iterations} mutants; {folder.Invalid.Count} invalid files, {folder.Detections.Count} detections of which {unsupported} unsupported at check; hunt over {generated.Count} events: {runs.Count(r => r.Error is null)} ran, {runs.Count(r => r.Fired)} fired");
        foreach (var f in failures)
        {
            output.WriteLine(f);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mutants broke the engine:\n" + string.Join('\n', failures.Take(20)));
    }

    /// <summary>Checks (expands, parses, plans) each detection; returns how many are unsupported, noting engine failures.</summary>
    private static int CheckEach(DetectionEngine engine, IEnumerable<Detection> detections, Func<string, string> describe, List<string> failures)
    {
        var unsupported = 0;
        foreach (var d in detections)
        {
            try
            {
                var reason = engine.Check(d);
                unsupported += reason is null ? 0 : 1;
                if (reason is not null && reason.StartsWith("internal error", StringComparison.Ordinal))
                {
                    failures.Add($"check: {describe(d.File)}: {reason}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"check threw: {describe(d.File)}: {e.GetType().Name}: {e.Message}");
            }
        }

        return unsupported;
    }

    /// <summary>The shared pass over <paramref name="events"/>; no runs (and a failure noted) when it throws.</summary>
    private static List<DetectionRun> Hunt(DetectionEngine engine, IReadOnlyList<Detection> detections, IEnumerable<Row> events, double now, List<string> failures)
    {
        try
        {
            var pass = new SharedPass(engine, detections, now);
            foreach (var e in events)
            {
                pass.Add(e);
            }

            return pass.Run();
        }
        catch (Exception e)
        {
            failures.Add($"hunt threw: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            return [];
        }
    }
}
