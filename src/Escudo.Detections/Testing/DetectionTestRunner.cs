using System.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Running;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Escudo.Spl;

namespace Escudo.Detections.Testing;

public enum TestStatus
{
    Passed,
    Failed,
    Skipped,
}

public sealed record TestOutcome(Detection Detection, string TestName, TestStatus Status, int ResultCount, string? Reason, string? Explanation, double Seconds);

/// <summary>
/// Detection-as-code testing, as ESCU's test tooling does it: each <c>tests:</c> entry's
/// <c>attack_data</c> is loaded with its source and sourcetype (times shifted to end now when
/// <c>update_timestamp</c> is true), the detection runs over all of them, and the test passes when
/// it returns at least one result (none, for an Escudo <c>must_not_fire: true</c> test). The
/// notables and risk events the detection's tags promise are checked in the same run.
/// </summary>
public sealed class DetectionTestRunner(ContentFolder content, string? datasetsRoot)
{
    private readonly ContentFolder _content = content;

    private readonly DetectionEngine _engine = new(content);

    /// <summary>Maps an attack_data URL to a local file: the part after <c>/datasets/</c> under the datasets folder.</summary>
    public string? LocalPath(string url)
    {
        if (datasetsRoot is null)
        {
            return null;
        }

        var marker = url.IndexOf("/datasets/", StringComparison.Ordinal);
        var relative = marker >= 0 ? url[(marker + "/datasets/".Length)..] : url;
        var root = Path.GetFullPath(datasetsRoot);
        var path = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));

        // A URL with `..` (or an empty path) must not reach files outside the datasets folder, nor all of it.
        if (!path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return null;
        }

        return File.Exists(path) || Directory.Exists(path) ? path : null;
    }

    public IEnumerable<TestOutcome> Run(Detection d)
    {
        foreach (var test in d.Tests ?? [])
        {
            yield return RunOne(d, test);
        }
    }

    private TestOutcome RunOne(Detection d, DetectionTest test)
    {
        var sw = Stopwatch.StartNew();
        var data = test.AttackData ?? [];
        if (data.Count == 0)
        {
            return new TestOutcome(d, test.Name, TestStatus.Skipped, 0, "no attack_data", null, 0);
        }

        var events = new List<Row>();
        var problems = new List<string>();
        foreach (var a in data)
        {
            var path = LocalPath(a.Data);
            if (path is null)
            {
                return new TestOutcome(d, test.Name, TestStatus.Skipped, 0, $"dataset not available locally: {a.Data}", null, sw.Elapsed.TotalSeconds);
            }

            var options = new EventReadOptions(a.Source, a.Sourcetype);
            var loaded = InputReader.Read(path, options, p => problems.Add(p.ToString())).ToList();
            if (a.ShiftTimes)
            {
                ShiftToNow(loaded);
            }

            events.AddRange(loaded);
        }

        var store = new MemoryStore(events);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var run = _engine.Run(d, store, now);
        if (run.Error is not null)
        {
            return new TestOutcome(d, test.Name, TestStatus.Failed, 0, "cannot run: " + run.Error, null, sw.Elapsed.TotalSeconds);
        }

        if (test.MustNotFire)
        {
            return run.Fired
                ? new TestOutcome(d, test.Name, TestStatus.Failed, run.Results.Count, "fired on a dataset where it must not (must_not_fire: true)", string.Join('\n', run.Results.Take(5).Select(r => ResultJson.ToJsonLine(r, withEvidence: true))), sw.Elapsed.TotalSeconds)
                : new TestOutcome(d, test.Name, TestStatus.Passed, 0, null, null, sw.Elapsed.TotalSeconds);
        }

        if (!run.Fired)
        {
            var why = Explainer.Explain(d, run.ExpandedSearch, _engine.ContextFor(store, now));
            return new TestOutcome(d, test.Name, TestStatus.Failed, 0, $"no results over {events.Count} events", why, sw.Elapsed.TotalSeconds);
        }

        var integration = CheckIntegration(d, run);
        return integration is null
            ? new TestOutcome(d, test.Name, TestStatus.Passed, run.Results.Count, null, null, sw.Elapsed.TotalSeconds)
            : new TestOutcome(d, test.Name, TestStatus.Failed, run.Results.Count, integration, null, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Shifts event times so that the latest event is now, keeping their spacing (ESCU's update_timestamp).</summary>
    public static void ShiftToNow(List<Row> events)
    {
        var latest = events.Select(e => e.Time).Where(t => !double.IsNaN(t)).DefaultIfEmpty(double.NaN).Max();
        if (double.IsNaN(latest))
        {
            return;
        }

        var delta = Math.Floor(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - latest);
        foreach (var e in events)
        {
            var t = e.Time;
            if (!double.IsNaN(t))
            {
                e.Set(FieldTable.Time, Value.FromNumber(t + delta));
            }
        }
    }

    /// <summary>The integration checks: promised risk objects are in the results, messages fill, drilldowns parse.</summary>
    private string? CheckIntegration(Detection d, DetectionRun run)
    {
        var problems = new List<string>();
        foreach (var (field, _, _, _, threat) in AlertBuilder.RiskObjects(d))
        {
            if (!threat && run.Results.All(r => r.Get(field).IsNull))
            {
                problems.Add($"risk object field `{field}` is in no result");
            }
        }

        if (AlertBuilder.RiskObjects(d).Any(o => !o.Threat) && run.RiskEvents.Count == 0)
        {
            problems.Add("no risk event was produced");
        }

        foreach (var dd in d.DrilldownSearches ?? [])
        {
            var text = AlertBuilder.Fill(dd.Search.Replace("%original_detection_search%", d.Search, StringComparison.Ordinal), run.Results[0]);
            var parsed = SplEngine.Compile(text, new Spl.Execution.SearchContext { Macros = _content.Macros, Lookups = _content.Lookups });
            if (!parsed.Parsed && parsed.Diagnostic is { } diag)
            {
                problems.Add($"drilldown `{dd.Name}` does not parse: {diag.Message}");
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
