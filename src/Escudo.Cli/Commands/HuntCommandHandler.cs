using System.Diagnostics;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Running;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Spectre.Console;

namespace Escudo.Cli.Commands;

internal sealed class HuntOptions
{
    public required string Content { get; init; }

    public required IReadOnlyList<string> Inputs { get; init; }

    public string? Out { get; init; }

    public IReadOnlyList<string> Only { get; init; } = [];

    public IReadOnlyList<string> Exclude { get; init; } = [];

    public IReadOnlyList<string> Types { get; init; } = [];

    public bool IncludeExperimental { get; init; }

    public string? Format { get; init; }

    public IReadOnlyList<string> Macros { get; init; } = [];

    public string? Report { get; init; }

    public string? Navigator { get; init; }

    public string? Now { get; init; }

    public bool UseTimeRange { get; init; }

    public EventReadOptions Read { get; init; } = EventReadOptions.Default;

    public InputFlags InputFlags { get; init; } = InputFlags.Default;

    /// <summary>Event references kept per result (escudo_evidence); the count and times cover them all.</summary>
    public int? Evidence { get; init; }

    /// <summary>Timeline: only hits at this severity or above.</summary>
    public string? Severity { get; init; }

    /// <summary>Timeline: only hits with at least this risk score.</summary>
    public double? MinRisk { get; init; }

    /// <summary>Timeline: only hits of detections in an analytic story containing one of these texts.</summary>
    public IReadOnlyList<string> Stories { get; init; } = [];

    /// <summary>Timeline: only hits of these ATT&amp;CK techniques (a technique takes its sub-techniques).</summary>
    public IReadOnlyList<string> Techniques { get; init; } = [];

    /// <summary>Timeline: only hits whose first event is at or after this time.</summary>
    public string? Earliest { get; init; }

    /// <summary>Timeline: only hits whose first event is before this time.</summary>
    public string? Latest { get; init; }
}

/// <summary>
/// <c>escudo hunt</c>: reads every input once (each event parsed and mapped to data models once),
/// runs every selected detection over the shared store, then runs the Correlation detections over
/// the risk events the first pass produced, and writes notables, risk events and results.
/// </summary>
internal static class HuntCommandHandler
{
    public static int Run(HuntOptions o)
    {
        var clock = Stopwatch.StartNew();
        if (!InputSet.CheckExist(o.Inputs))
        {
            return 1;
        }

        var content = CliIo.LoadContent(o.Content, o.Macros);
        if (content is null)
        {
            return 1;
        }

        if (!DetectionSelection.RequireDetectionFiles(content, o.Content) || !DetectionSelection.CheckTypes(o.Types, content))
        {
            return 1;
        }

        if (!TimeArguments.TryParseNow(o.Now, out var now, out var nowError))
        {
            Console.Error.WriteLine(nowError);
            return 1;
        }

        if (TimelineFilterOf(o, now) is not { } filter)
        {
            return 1;
        }

        if (!TrySetEvidenceLimit(o.Evidence))
        {
            return 1;
        }

        var readiness = DataReadiness.Load(content.Root, (file, reason) => Console.Error.WriteLine($"warning: {file}: {reason}"));
        var selected = Select(content, o);
        var selectedInvalid = SelectInvalid(content, o);
        if (selected.Count + selectedInvalid.Count == 0)
        {
            Console.Error.WriteLine(NothingSelected(content, o));
            return 1;
        }

        var engine = new DetectionEngine(content);
        TimeRange? range = o.UseTimeRange ? new TimeRange(RelativeTime.Resolve("-70m@m", now), RelativeTime.Resolve("-10m@m", now)) : null;

        // One pass over the input: every event is read, mapped and offered to the detections once.
        var hunt = new HuntRunner(engine, selected, now, range);
        var inputs = new InputSet(o.Inputs, o.Read, o.InputFlags);
        ReadWithProgress(inputs, hunt, readiness);
        var inputStatus = inputs.Finish();
        var runs = hunt.Finish();

        var hits = HuntTimeline.Hits(runs);
        var shown = hits.Where(filter.Keeps).ToList();
        clock.Stop();
        if (o.Out is not null)
        {
            WriteOutputs(o.Out, runs, shown);
        }

        // Files that are not runnable detections are unsupported runs with their error, so they count.
        runs.AddRange(selectedInvalid.Select(DetectionSelection.AsUnsupportedRun));

        // As in the contract's example, total = run + unsupported (the detections selected); the
        // ones left out (experimental unless asked, --only/--exclude/--type) are counted apart.
        var available = content.Detections.Count(d => !d.IsDeprecated) + content.Invalid.Count(d => !d.IsDeprecated);
        var summary = new HuntSummary(hunt.EventCount, runs.Count, available - runs.Count, runs, clock.Elapsed.TotalSeconds)
        {
            Hits = hits,
            TimelineHits = shown.Count,
            Ready = runs.Count(r => readiness.Ready(r.Detection) == true),
            Blind = runs.Count(r => readiness.Ready(r.Detection) == false),
        };
        var reportFailed = o.Report is not null && !HuntReport.TryWriteHtml(o.Report, summary);

        if (o.Navigator is not null)
        {
            HuntReport.WriteNavigatorLayer(o.Navigator, runs);
        }

        if (o.Format == "json")
        {
            WriteJsonSummary(summary);
        }
        else
        {
            WriteTableSummary(summary);
        }

        if (runs.All(r => r.Error is not null))
        {
            Console.Error.WriteLine($"escudo: none of the {runs.Count} selected detections could run; the unsupported list says why");
            return 1;
        }

        return reportFailed ? 1 : inputStatus;
    }

    /// <summary>--evidence: how many event references each result keeps (0 to 10,000); false (reported) outside that.</summary>
    private static bool TrySetEvidenceLimit(int? limit)
    {
        if (limit is not { } n)
        {
            return true;
        }

        if (n is < 0 or > 10_000)
        {
            Console.Error.WriteLine($"error: --evidence {n}: give between 0 and 10000 event references per result");
            return false;
        }

        Evidence.Limit = n;
        return true;
    }

    private static void WriteOutputs(string dir, List<DetectionRun> runs, List<TimelineHit> shown)
    {
        WriteOutputs(dir, runs);
        HuntTimeline.WriteCsv(Path.Combine(dir, "timeline.csv"), shown);
        HuntTimeline.WriteJsonLines(Path.Combine(dir, "timeline.jsonl"), shown);
    }

    private static List<InvalidDetection> SelectInvalid(ContentFolder content, HuntOptions o) => content.Invalid
        .Where(d => !d.IsDeprecated)
        .Where(d => o.IncludeExperimental || !d.IsExperimental)
        .Where(d => o.Only.Count == 0 || o.Only.Any(p => DetectionSelection.Matches(p, d)))
        .Where(d => !o.Exclude.Any(p => DetectionSelection.Matches(p, d)))
        // A file whose YAML does not parse has no known type: it stays listed whatever --type asks.
        .Where(d => o.Types.Count == 0 || d.Type is null || o.Types.Any(t => t.Equals(d.Type, StringComparison.OrdinalIgnoreCase)))
        .ToList();

    /// <summary>Why the selection is empty, naming the selectors (or the statuses that left everything out).</summary>
    private static string NothingSelected(ContentFolder content, HuntOptions o)
    {
        var selectors = DetectionSelection.Describe(o.Only, o.Exclude, o.Types);
        var available = content.Detections.Count(d => !d.IsDeprecated) + content.Invalid.Count(d => !d.IsDeprecated);
        if (selectors.Length > 0)
        {
            return $"escudo: no detection matches {selectors} (among {available} in {o.Content}{(o.IncludeExperimental ? string.Empty : ", experimental ones left out")})";
        }

        return available == 0
            ? $"escudo: no detection to run in {o.Content}: all are deprecated"
            : $"escudo: no detection to run in {o.Content}: all {available} are experimental (use --include-experimental)";
    }

    /// <summary>The timeline's filter from the options, or null (with the reason on stderr) when one does not parse, before any work is done.</summary>
    private static TimelineFilter? TimelineFilterOf(HuntOptions o, double now)
    {
        string? severity = null;
        if (o.Severity is not null)
        {
            severity = TimelineFilter.Severities.FirstOrDefault(x => x.Equals(o.Severity.Trim(), StringComparison.OrdinalIgnoreCase));
            if (severity is null)
            {
                Console.Error.WriteLine($"error: --severity {o.Severity}: expected one of {string.Join(", ", TimelineFilter.Severities)}");
                return null;
            }
        }

        double? Bound(string? text, string flag, out bool ok)
        {
            ok = true;
            if (text is null)
            {
                return null;
            }

            var t = TimelineFilter.ParseTime(text, now);
            if (t is null)
            {
                Console.Error.WriteLine($"error: {flag} {text}: expected epoch seconds, an ISO 8601 time (2024-05-01T10:00:00Z) or a relative time (-24h@h)");
                ok = false;
            }

            return t;
        }

        var earliest = Bound(o.Earliest, "--earliest", out var okE);
        var latest = Bound(o.Latest, "--latest", out var okL);
        if (!okE || !okL)
        {
            return null;
        }

        if (o.MinRisk is { } r && (double.IsNaN(r) || r < 0))
        {
            Console.Error.WriteLine($"error: --min-risk {r}: expected a risk score of 0 or more");
            return null;
        }

        return new TimelineFilter(severity, o.MinRisk, o.Stories, o.Techniques, earliest, latest);
    }

    private static List<Detection> Select(ContentFolder content, HuntOptions o) => content.Detections
        .Where(d => !d.IsDeprecated)
        .Where(d => o.IncludeExperimental || !d.Status.Equals("experimental", StringComparison.OrdinalIgnoreCase))
        .Where(d => o.Only.Count == 0 || o.Only.Any(p => Glob.MatchesDetection(p, d)))
        .Where(d => !o.Exclude.Any(p => Glob.MatchesDetection(p, d)))
        .Where(d => o.Types.Count == 0 || o.Types.Any(t => t.Equals(d.Type, StringComparison.OrdinalIgnoreCase)))
        .ToList();

    /// <summary>The files the inputs name (folders walked as the reader walks them), with their sizes, for the progress line.</summary>
    private static List<(string Path, long Bytes)> InputFiles(IReadOnlyList<string> inputs)
    {
        var files = new List<(string, long)>();
        foreach (var input in inputs)
        {
            try
            {
                // Links are not followed here: a link loop must not make the progress count loop.
                IEnumerable<string> paths = Directory.Exists(input)
                    ? Directory.EnumerateFiles(input, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true }).Order(StringComparer.Ordinal)
                    : File.Exists(input) ? [input] : [];
                files.AddRange(paths.Select(f => (f, new FileInfo(f).Length)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The reader reports what it cannot read; the progress line just counts less.
            }
        }

        return files;
    }

    private static void ReadWithProgress(InputSet inputs, HuntRunner hunt, DataReadiness readiness)
    {
        var files = InputFiles(inputs.Paths);
        var totalBytes = files.Sum(f => f.Bytes);
        var fileIndex = files.Select((f, i) => (f.Path, i)).GroupBy(x => x.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var doneFiles = 0;
        long doneBytes = 0;
        var lastOrigin = 0;

        // Files before the one being read are done (the reader goes through them in this order).
        void Track(Row row)
        {
            if (row.Ref.Origin == lastOrigin || EventOrigins.Get(row.Ref.Origin) is not { } origin)
            {
                return;
            }

            lastOrigin = row.Ref.Origin;
            var path = origin.Input;
            var bang = path.IndexOf(".zip!", StringComparison.OrdinalIgnoreCase);
            if (bang >= 0)
            {
                path = path[..(bang + 4)];
            }

            if (fileIndex.TryGetValue(path, out var i) && i > Volatile.Read(ref doneFiles))
            {
                Interlocked.Exchange(ref doneBytes, files.Take(i).Sum(f => f.Bytes));
                Volatile.Write(ref doneFiles, i);
            }
        }

        // Parsing and matching overlap (see HuntRunner.Read): the reader thread observes each event.
        void ReadAll(Action<long>? tick) => hunt.Read(
            inputs.Read(),
            row =>
            {
                readiness.Observe(row);
                Track(row);
            },
            tick);

        if (!Console.IsErrorRedirected)
        {
            var sw = Stopwatch.StartNew();
            var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            err.Status().Start("reading events", ctx => ReadAll(c => ctx.Status(
                $"reading events: file {Math.Min(files.Count, Volatile.Read(ref doneFiles) + 1)} of {files.Count}, {Interlocked.Read(ref doneBytes) / 1048576.0:N1} of {totalBytes / 1048576.0:N1} MB, {c:N0} events ({c / Math.Max(0.001, sw.Elapsed.TotalSeconds):N0} events/s)")));
        }
        else
        {
            ReadAll(null);
        }
    }

    private static void WriteOutputs(string dir, List<DetectionRun> runs)
    {
        Directory.CreateDirectory(dir);
        using (var notables = new StreamWriter(Path.Combine(dir, "notables.jsonl")))
        using (var risk = new StreamWriter(Path.Combine(dir, "risk.jsonl")))
        {
            foreach (var run in runs)
            {
                foreach (var r in run.Notables)
                {
                    notables.WriteLine(ResultJson.ToJsonLine(r, withEvidence: true));
                }

                foreach (var r in run.RiskEvents)
                {
                    risk.WriteLine(ResultJson.ToJsonLine(r, withEvidence: true));
                }
            }
        }

        using var results = new StreamWriter(Path.Combine(dir, "results.jsonl"));
        foreach (var run in runs)
        {
            foreach (var r in run.Results)
            {
                var tagged = new Row(r.Count + 2);
                tagged.Set("detection", run.Detection.Name);
                tagged.Set("detection_id", run.Detection.Id);
                for (var i = 0; i < r.Count; i++)
                {
                    tagged.Set(r.IdAt(i), r.ValueAt(i));
                }

                AlertBuilder.SetEvidence(tagged, r);
                results.WriteLine(ResultJson.ToJsonLine(tagged, withEvidence: true));
            }
        }
    }

    private static void WriteJsonSummary(HuntSummary s)
    {
        using var stdout = Console.OpenStandardOutput();
        using var w = new Utf8JsonWriter(stdout, ResultJson.WriterOptions with { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("events", s.Events);
        w.WriteStartObject("detections");
        w.WriteNumber("total", s.TotalDetections);
        w.WriteNumber("not_selected", s.NotSelected);
        w.WriteNumber("run", s.Runs.Count(r => r.Error is null));
        w.WriteNumber("unsupported", s.Runs.Count(r => r.Error is not null));
        w.WriteNumber("fired", s.Runs.Count(r => r.Fired));
        w.WriteEndObject();
        w.WriteStartArray("results");
        foreach (var r in s.Runs.Where(r => r.Fired))
        {
            w.WriteStartObject();
            w.WriteString("detection", r.Detection.Name);
            w.WriteString("id", r.Detection.Id);
            w.WriteNumber("count", r.Results.Count);
            w.WriteNumber("risk_events", r.RiskEvents.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("unsupported");
        foreach (var r in s.Runs.Where(r => r.Error is not null))
        {
            w.WriteStartObject();
            w.WriteString("detection", r.Detection.Name);
            w.WriteString("file", r.Detection.File);
            w.WriteString("reason", r.Error);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("readiness");
        w.WriteNumber("ready", s.Ready);
        w.WriteNumber("blind", s.Blind);
        w.WriteNumber("unknown", s.Runs.Count - s.Ready - s.Blind);
        w.WriteEndObject();
        w.WriteStartObject("timeline");
        w.WriteNumber("hits", s.Hits.Count);
        w.WriteNumber("shown", s.TimelineHits);
        w.WriteNumber("with_evidence", s.Hits.Count(h => h.Evidence is { Refs.Length: > 0 }));
        w.WriteEndObject();
        w.WriteStartArray("top_hits");
        foreach (var t in TopHits(s.Hits))
        {
            w.WriteStartObject();
            w.WriteString("detection", t.Detection);
            w.WriteString("host", t.Host);
            w.WriteNumber("count", t.Count);
            w.WriteString("first_seen", HuntTimeline.IsoTime(t.FirstSeen));
            w.WriteNumber("risk_score", t.Risk);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNumber("seconds", Math.Round(s.Seconds, 3));
        w.WriteEndObject();
        w.Flush();
        stdout.Write("\n"u8);
    }

    private static void WriteTableSummary(HuntSummary s)
    {
        var fired = s.Runs.Where(r => r.Fired).OrderByDescending(r => r.RiskEvents.Sum(e => e.Get("risk_score").TryGetNumber(out var x) ? x : 0)).ToList();
        var table = new Table().Border(TableBorder.Rounded).AddColumn("detection").AddColumn("type").AddColumn(new TableColumn("results").RightAligned()).AddColumn(new TableColumn("risk events").RightAligned());
        foreach (var r in fired)
        {
            table.AddRow(Markup.Escape(r.Detection.Name), r.Detection.Type, r.Results.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), r.RiskEvents.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (fired.Count > 0)
        {
            AnsiConsole.Write(table);
        }

        var top = s.Runs.SelectMany(r => r.RiskEvents)
            .GroupBy(e => (Object: e.Get("risk_object").ToDisplayString(), Type: e.Get("risk_object_type").ToDisplayString()))
            .Select(g => (g.Key.Object, g.Key.Type, Score: g.Sum(e => e.Get("risk_score").TryGetNumber(out var x) ? x : 0), Techniques: g.SelectMany(e => e.Get("annotations.mitre_attack.mitre_technique_id").Items.ToArray()).Distinct().Order().ToList()))
            .OrderByDescending(x => x.Score)
            .Take(10)
            .ToList();
        if (top.Count > 0)
        {
            var rt = new Table().Border(TableBorder.Rounded).AddColumn("risk object").AddColumn("type").AddColumn(new TableColumn("score").RightAligned()).AddColumn("techniques");
            foreach (var t in top)
            {
                rt.AddRow(Markup.Escape(t.Object), t.Type, t.Score.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(string.Join(" ", t.Techniques)));
            }

            AnsiConsole.Write(rt);
        }

        var topHits = TopHits(s.Hits);
        if (topHits.Count > 0)
        {
            var th = new Table().Border(TableBorder.Rounded).Title("top hits").AddColumn("detection").AddColumn("host").AddColumn(new TableColumn("hits").RightAligned()).AddColumn("first seen (UTC)").AddColumn(new TableColumn("risk").RightAligned());
            foreach (var t in topHits)
            {
                th.AddRow(Markup.Escape(t.Detection), Markup.Escape(t.Host), t.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), HuntTimeline.IsoTime(t.FirstSeen), t.Risk.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(th);
        }

        AnsiConsole.MarkupLine($"{s.Events:N0} events, {s.Runs.Count(r => r.Error is null)} detections run, {s.Runs.Count(r => r.Error is not null)} unsupported, {fired.Count} fired, in {s.Seconds:0.00} s.");
        AnsiConsole.MarkupLine($"data readiness: {s.Ready} detections had the data they need in the input, {s.Blind} did not, {s.Runs.Count - s.Ready - s.Blind} name no known data source.");
        AnsiConsole.MarkupLine($"timeline: {s.TimelineHits:N0} of {s.Hits.Count:N0} hits after filters, in event time.");
    }

    /// <summary>Hits grouped by detection and host: the riskiest ten (then the most frequent), shown in the order they were first seen.</summary>
    private static List<(string Detection, string Host, int Count, double FirstSeen, double Risk)> TopHits(IReadOnlyList<TimelineHit> hits, int top = 10) => hits
        .GroupBy(h => (h.Detection, Host: h.Host ?? string.Empty))
        .Select(g => (g.Key.Detection, g.Key.Host, Count: g.Count(), FirstSeen: g.Select(h => h.Time).Where(t => !double.IsNaN(t)).DefaultIfEmpty(double.NaN).Min(), Risk: g.Max(h => h.RiskScore)))
        .OrderByDescending(x => x.Risk)
        .ThenByDescending(x => x.Count)
        .ThenBy(x => x.Detection, StringComparer.Ordinal)
        .Take(top)
        .OrderBy(x => double.IsNaN(x.FirstSeen) ? double.MaxValue : x.FirstSeen)
        .ThenBy(x => x.Detection, StringComparer.Ordinal)
        .ToList();
}

internal sealed record HuntSummary(long Events, int TotalDetections, int NotSelected, List<DetectionRun> Runs, double Seconds)
{
    /// <summary>Every hit, in event time.</summary>
    public IReadOnlyList<TimelineHit> Hits { get; init; } = [];

    /// <summary>Hits the timeline kept after its filters.</summary>
    public int TimelineHits { get; init; }

    /// <summary>Detections run whose data sources were seen in the input.</summary>
    public int Ready { get; init; }

    /// <summary>Detections run none of whose data sources were seen.</summary>
    public int Blind { get; init; }
}
