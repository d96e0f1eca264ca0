using System.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Running;
using Escudo.Ingest.Sources;

namespace Escudo.Bench;

/// <summary>The shared pass: cost of adding detections, and throughput and memory over synthetic corpora.</summary>
internal static class HuntBench
{
    private static List<Detection> Runnable(ContentFolder content) => content.Detections
        .Where(d => !d.IsDeprecated && d.Status == "production" && d.Type != "Correlation")
        .OrderBy(d => d.File, StringComparer.Ordinal)
        .ToList();

    public static int Scaling(string contentDir, string[] paths, int runs)
    {
        var content = ContentFolder.Load(contentDir);
        var engine = new DetectionEngine(content);
        var all = Runnable(content);
        // Put the founding detection first so "1 detection" is a real, typical one.
        var first = all.FindIndex(d => d.Name == "Detect Regasm with Network Connection");
        if (first > 0)
        {
            (all[0], all[first]) = (all[first], all[0]);
        }

        var events = paths.SelectMany(p => InputReader.Read(p)).ToList();
        Console.WriteLine($"| detections | events | read + pass + run, median s | pass + run over parsed events, median s | fired |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var n in new[] { 1, 100, all.Count })
        {
            var set = all.Take(n).ToList();
            var fired = 0;
            var withRead = Measure.MedianSeconds(runs, () =>
            {
                var hunt = new HuntRunner(engine, set, 0);
                hunt.Read(paths.SelectMany(p => InputReader.Read(p)));
                fired = hunt.Finish().Count(r => r.Fired);
            });
            var parsedOnly = Measure.MedianSeconds(runs, () =>
            {
                var hunt = new HuntRunner(engine, set, 0);
                hunt.Read(events);
                _ = hunt.Finish();
            });
            Console.WriteLine($"| {n} | {events.Count:N0} | {withRead:0.00} | {parsedOnly:0.00} | {fired} |");
        }

        return 0;
    }

    public static int Synthetic(string contentDir, string path, long total)
    {
        var content = ContentFolder.Load(contentDir);
        var engine = new DetectionEngine(content);
        var detections = Runnable(content);
        var (tape, span) = RecordTape(path);
        if (tape.Count == 0)
        {
            Console.Error.WriteLine("no events in " + path);
            return 1;
        }

        tape.Seal();
        GC.Collect();
        var tapeMiB = tape.Bytes / 1048576.0;
        var baseMiB = tape.MemoryBytes / 1048576.0;
        Console.Error.WriteLine($"  base events {tape.Count:N0}: a {tapeMiB:N0} MiB tape on disk, {baseMiB:N0} MiB of it in memory; {GC.GetTotalMemory(true) / 1048576.0:N0} MiB managed in all; peak working set so far {Measure.PeakMemoryBytes() / 1048576.0:N0} MiB");
        GC.Collect();
        var sw = Stopwatch.StartNew();
        var hunt = new HuntRunner(engine, detections, 0);
        var pass = hunt.Pass;
        Console.Error.WriteLine($"  set up {sw.Elapsed.TotalSeconds:0.0} s");

        // ESCUDO_BENCH_GENERATE_ONLY=1 times the corpus generator alone. ESCUDO_BENCH_OVERLAP=1 runs
        // the generator on the hunt's reader thread, as the input reader runs in `escudo hunt`.
        var generateOnly = Environment.GetEnvironmentVariable("ESCUDO_BENCH_GENERATE_ONLY") == "1";
        var overlap = Environment.GetEnvironmentVariable("ESCUDO_BENCH_OVERLAP") == "1";
        if (overlap && !generateOnly)
        {
            hunt.Read(Replay(tape, total, span));
        }
        else
        {
            foreach (var e in Replay(tape, total, span))
            {
                if (!generateOnly)
                {
                    pass.Add(e);
                }
            }
        }

        var passSeconds = sw.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"  GC: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2, paused {GC.GetTotalPauseDuration().TotalSeconds:0.0} s");
        Console.Error.WriteLine($"  pass: keys, data model rows and prefilter {pass.PrepareSeconds:0.0} s, detections {pass.MatchSeconds:0.0} s; {pass.PrefilteredFeeds} of {pass.Feeds} streamed pipelines prefiltered");
        var groups = pass.GroupCounts().ToList();
        // Live memory (after a full collection, not timed): what the pass holds, apart from the GC's slack.
        sw.Stop();
        var liveMiB = GC.GetTotalMemory(true) / 1048576.0;
        var passPeakMiB = Measure.PeakMemoryBytes() / 1048576.0;
        sw.Start();
        Console.Error.WriteLine($"  live managed memory after the pass: {liveMiB:N0} MiB; peak working set so far {passPeakMiB:N0} MiB");
        Console.Error.WriteLine($"  groups held at the end of the pass: {groups.Sum(g => g.Groups):N0}; most: " + string.Join("; ", groups.Take(6).Select(g => $"{g.Detection} {g.Groups:N0}")));
        Console.Error.WriteLine($"  spilled to disk: {pass.SpilledGroups:N0} groups and {pass.SpilledRows:N0} kept rows, {pass.SpilledBytes / 1048576.0:N0} MiB (at most {pass.MaxGroupsInMemory:N0} groups and {pass.MaxKeptRowsInMemory:N0} kept rows held){(pass.SpillError is { } spillError ? "; " + spillError : string.Empty)}");
        Console.Error.WriteLine($"  events kept by detections that are not streamed: {pass.Retention().Sum(r => (long)r.Events):N0}; data model rows kept: {pass.DataModelRowCounts().Sum(d => (long)d.Kept):N0}");
        // Each detection's output is counted and dropped as it finishes, as a hunt that writes it
        // out would (held together, 10 M events' notables and risk events alone take over 1 GiB).
        var runs = new (string Name, double Seconds, int Results, int Notables, int Risks, bool Fired)[detections.Count];
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        hunt.Finish((i, r) => runs[i] = (r.Detection.Name, r.Seconds, r.Results.Count, r.Notables.Count, r.RiskEvents.Count, r.Fired));
        Console.Error.WriteLine($"  finishing allocated {(GC.GetTotalAllocatedBytes() - allocatedBefore) / 1048576.0:N0} MiB");
        var totalSeconds = sw.Elapsed.TotalSeconds;
        foreach (var slow in runs.OrderByDescending(r => r.Seconds).Take(8))
        {
            Console.Error.WriteLine($"  finishing {slow.Name}: {slow.Seconds:0.00} s, {slow.Results} results");
        }

        var results = runs.Sum(r => (long)r.Results);
        sw.Stop();
        Console.Error.WriteLine($"  live managed memory after finishing: {GC.GetTotalMemory(true) / 1048576.0:N0} MiB; {runs.Sum(r => (long)r.Notables):N0} notables and {runs.Sum(r => (long)r.Risks):N0} risk events made, counted and dropped");
        sw.Start();
        Console.WriteLine($"| {total:N0} | {Environment.ProcessorCount} | {detections.Count} | {passSeconds:0.0} | {totalSeconds:0.0} | {total / totalSeconds:N0} | {total / totalSeconds / Environment.ProcessorCount:N0} | {Measure.PeakMemoryBytes() / 1048576.0:N0} | {liveMiB - baseMiB:N0} | {tapeMiB:N0} | {groups.Sum(g => g.Groups):N0} | {pass.SpilledGroups:N0} | {runs.Count(r => r.Fired)} | {results:N0} |");
        GC.KeepAlive(tape); // held to the end, so "live" minus the tape is what the pass holds
        return 0;
    }

    /// <summary>The recording's events on a tape, and the time one replay of it spans (its events' range plus an hour).</summary>
    private static (EventTape Tape, double Span) RecordTape(string path)
    {
        var tape = new EventTape(Path.Combine(Path.GetTempPath(), $"escudo-bench-tape-{Environment.ProcessId}.bin"));
        double minTime = double.MaxValue, maxTime = double.MinValue;
        foreach (var e in InputReader.Read(path))
        {
            tape.Add(e);
            if (!double.IsNaN(e.Time))
            {
                minTime = Math.Min(minTime, e.Time);
                maxTime = Math.Max(maxTime, e.Time);
            }
        }

        return (tape, (maxTime >= minTime ? maxTime - minTime : 0) + 3600);
    }

    /// <summary>
    /// <paramref name="total"/> events replayed from the tape, each decoded into fresh objects, with
    /// hosts (1,000) and users (5,000) varied and times moved on by <paramref name="span"/> each cycle.
    /// </summary>
    private static IEnumerable<Row> Replay(EventTape tape, long total, double span)
    {
        var hostIds = new[] { FieldTable.Host, FieldTable.Intern("Computer"), FieldTable.Intern("dest"), FieldTable.Intern("dvc"), FieldTable.Intern("dvc_nt_host") };
        var userId = FieldTable.Intern("user");
        var hosts = Enumerable.Range(0, 1000).Select(h => Value.FromString($"host-{h:D4}.corp.example")).ToArray();
        var users = Enumerable.Range(0, 5000).Select(u => Value.FromString($"user{u}")).ToArray();
        return Generate();

        IEnumerable<Row> Generate()
        {
            for (long i = 0; i < total; i++)
            {
                var cycle = i / tape.Count;
                var e = tape.Get((int)(i % tape.Count));
                var host = hosts[(int)((i * 7919) % 1000)];
                foreach (var h in hostIds)
                {
                    if (e.Has(h))
                    {
                        e.Set(h, host);
                    }
                }

                if (e.Has(userId))
                {
                    e.Set(userId, users[(int)((i * 104729) % 5000)]);
                }

                var t = e.Time;
                if (!double.IsNaN(t))
                {
                    e.Set(FieldTable.Time, Value.FromNumber(t + (cycle * span)));
                }

                yield return e;
            }
        }
    }

    /// <summary>What the shared pass keeps: events per detection and data model rows per dataset.</summary>
    public static int Retention(string contentDir, string[] paths)
    {
        var content = ContentFolder.Load(contentDir);
        var hunt = new HuntRunner(new DetectionEngine(content), Runnable(content), 0);
        hunt.Read(paths.SelectMany(p => InputReader.Read(p)));
        var pass = hunt.Pass;

        Console.WriteLine($"events {pass.EventCount:N0}, keyed scans {pass.KeyedScans}, unkeyed scans {pass.UnkeyedScans}");
        Console.WriteLine("prefilter fields: " + string.Join(", ", pass.PrefilterFields()));
        Console.WriteLine($"streamed pipelines with a where pushed to their groups: {pass.PushdownPipelines}");
        Console.WriteLine($"streamed detections {pass.StreamedDetections} of {pass.Retention().Count()}");
        foreach (var (ds, rows, kept) in pass.DataModelRowCounts().OrderByDescending(x => x.Rows))
        {
            Console.WriteLine($"  dataset {ds}: {rows:N0} rows, {kept:N0} kept");
        }

        foreach (var g in pass.NotStreamed().GroupBy(x => x.Reason.Split(' ')[0]).OrderByDescending(g => g.Count()))
        {
            Console.WriteLine($"  not streamed, {g.Count()}: {g.Key} (e.g. {g.First().Detection}: {g.First().Reason})");
        }

        foreach (var (d, reason) in pass.NotStreamed().Where(x => x.Reason.Contains("keeps", StringComparison.Ordinal)))
        {
            Console.WriteLine($"  keeps data model rows: {d}: {reason}");
        }

        foreach (var (d, n, keyed) in pass.Retention().Take(25))
        {
            Console.WriteLine($"  {n,8:N0} {(keyed ? "keyed  " : "UNKEYED")} {d}");
        }

        return 0;
    }
}
