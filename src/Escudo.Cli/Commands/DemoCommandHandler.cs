using System.Reflection;
using Escudo.Core.Events;
using Escudo.Detections.Content;
using Escudo.Detections.Running;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Spectre.Console;

namespace Escudo.Cli.Commands;

/// <summary>
/// <c>escudo demo</c>: generates a small Sysmon sample, runs the two founding detections (kept in
/// the repository in ESCU format) and prints results, notables and risk events.
/// </summary>
internal static class DemoCommandHandler
{
    /// <summary>Regasm with a network connection, and the Remote Manipulator System registry write.</summary>
    private const int FoundingDetections = 2;

    public static int Run(string? format)
    {
        var contentDir = ExtractContent();
        try
        {
            var content = ContentFolder.Load(contentDir);
            var now = DateTime.UtcNow;
            var start = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(-1);
            var xml = DemoData.XmlLines(start);
            // Read as any input is, so each event carries its reference (input, channel, computer, record, time).
            using var generated = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml));
            var events = InputReader.ReadStream(generated, "demo/sysmon.xml", EventReadOptions.Default, CliIo.ReportProblem).ToList();
            var store = new MemoryStore(events);
            var engine = new DetectionEngine(content);
            var nowEpoch = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            if (content.Invalid.Count > 0 || content.Detections.Count != FoundingDetections)
            {
                // The content is built into the binary: anything but the two detections is a broken build.
                Console.Error.WriteLine($"escudo: the demo content is damaged: {content.Detections.Count} of {FoundingDetections} detections load{string.Concat(content.Invalid.Select(i => $"; {i.File}: {i.Reason}"))}");
                return 1;
            }

            var runs = content.Detections.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => engine.Run(d, store, nowEpoch)).ToList();
            var silent = runs.Where(r => r.Error is null && !r.Fired).Select(r => r.Detection.Name).ToList();
            if (silent.Count > 0)
            {
                // The generated sample holds both founding scenarios: a detection that stays quiet is a failed demo.
                Console.Error.WriteLine($"escudo: demo: {string.Join(", ", silent)} returned no results over the generated events, which contain its scenario");
            }
            if (format == "json")
            {
                foreach (var run in runs)
                {
                    foreach (var n in run.Notables)
                    {
                        Console.WriteLine(Detections.Output.ResultJson.ToJsonLine(n, withEvidence: true));
                    }

                    foreach (var r in run.RiskEvents)
                    {
                        Console.WriteLine(Detections.Output.ResultJson.ToJsonLine(r, withEvidence: true));
                    }
                }

                return runs.Any(r => r.Error is not null || !r.Fired) ? 1 : 0;
            }

            AnsiConsole.MarkupLine($"[bold]Escudo demo[/]: {events.Count} generated Sysmon events (XmlWinEventLog), {runs.Count} ESCU detections.");
            foreach (var run in runs)
            {
                AnsiConsole.WriteLine();
                AnsiConsole.Write(new Rule($"[yellow]{Markup.Escape(run.Detection.Name)}[/]").LeftJustified());
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(run.ExpandedSearch)}[/]");
                if (run.Error is not null)
                {
                    AnsiConsole.MarkupLine($"[red]could not run:[/] {Markup.Escape(run.Error)}");
                    continue;
                }

                AnsiConsole.MarkupLine($"[bold]{run.Results.Count}[/] result(s):");
                ResultWriter.WriteTable(run.Results);
                AnsiConsole.MarkupLine($"[bold]{run.Notables.Count}[/] notable event(s):");
                foreach (var n in run.Notables)
                {
                    AnsiConsole.MarkupLine($"  [red]{Markup.Escape(n.Get("severity").ToDisplayString())}[/]  {Markup.Escape(n.Get("search_name").ToDisplayString())}: {Markup.Escape(n.Get("rule_title").ToDisplayString())}  [grey]({Markup.Escape(string.Join(" ", n.Get("annotations.mitre_attack").Items.ToArray()))})[/]");
                    if (n.Evidence is { } e)
                    {
                        AnsiConsole.MarkupLine($"    [grey]{e.Count} event(s) from {HuntTimeline.IsoTime(e.FirstTime)} to {HuntTimeline.IsoTime(e.LastTime)}: {Markup.Escape(string.Join(" ", e.Refs.ToArray().Select(r => HuntTimeline.Locator(r))))}[/]");
                    }

                }

                AnsiConsole.MarkupLine($"[bold]{run.RiskEvents.Count}[/] risk event(s):");
                foreach (var r in run.RiskEvents)
                {
                    var threat = r.Get("threat_object");
                    AnsiConsole.MarkupLine($"  [yellow]+{Markup.Escape(r.Get("risk_score").ToDisplayString())}[/] {Markup.Escape(r.Get("risk_object").ToDisplayString())} [grey]({Markup.Escape(r.Get("risk_object_type").ToDisplayString())})[/]: {Markup.Escape(r.Get("risk_message").ToDisplayString())}" + (threat.IsNull ? string.Empty : $" [grey]threat object: {Markup.Escape(threat.ToDisplayString())}[/]"));
                }
            }

            return runs.Any(r => r.Error is not null || !r.Fired) ? 1 : 0;
        }
        finally
        {
            try
            {
                Directory.Delete(contentDir, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder that cannot be removed is not worth failing the demo for.
            }
        }
    }

    private static Func<Row, Row> Pick(params string[] fields) => r =>
    {
        var o = new Row(fields.Length);
        foreach (var f in fields)
        {
            o.Set(f, r.Get(f));
        }

        return o;
    };

    /// <summary>Writes the embedded ESCU-format content (detections, macros) to a temporary folder.</summary>
    public static string ExtractContent()
    {
        var dir = Path.Combine(Path.GetTempPath(), "escudo-demo-" + Guid.NewGuid().ToString("N")[..8]);
        var asm = Assembly.GetExecutingAssembly();
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("demo/", StringComparison.Ordinal)))
        {
            var path = Path.Combine(dir, name["demo/".Length..].Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var s = asm.GetManifestResourceStream(name)!;
            using var f = File.Create(path);
            s.CopyTo(f);
        }

        return dir;
    }
}
