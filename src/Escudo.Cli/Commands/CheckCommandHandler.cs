using System.Text.Json;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Running;
using Spectre.Console;

namespace Escudo.Cli.Commands;

/// <summary><c>escudo check</c>: load, expand, parse and plan every detection without data.</summary>
internal static class CheckCommandHandler
{
    public static int Run(string contentDir, IReadOnlyList<string> macroDirs, string? format, bool includeDeprecated)
    {
        var content = CliIo.LoadContent(contentDir, macroDirs);
        if (content is null)
        {
            return 1;
        }

        if (!DetectionSelection.RequireDetectionFiles(content, contentDir))
        {
            return 1;
        }

        var engine = new DetectionEngine(content);
        var detections = content.Detections.Where(d => includeDeprecated || !d.IsDeprecated).ToList();
        var unsupported = new List<(Detection D, string Reason)>();
        foreach (var d in detections)
        {
            if (engine.Check(d) is { } reason)
            {
                unsupported.Add((d, reason));
            }
        }

        // Files that are not runnable detections count in the total and are listed with their error.
        var invalid = content.Invalid.Where(d => includeDeprecated || !d.IsDeprecated).ToList();
        var loadProblems = invalid.Select(d => (d.File, d.Name, d.Reason)).ToList();
        var total = detections.Count + loadProblems.Count;
        if (total == 0)
        {
            Console.Error.WriteLine($"escudo: nothing to check in {contentDir}: all {content.Detections.Count + content.Invalid.Count} detections are deprecated (use --include-deprecated)");
            return 1;
        }

        if (format == "json")
        {
            using var stdout = Console.OpenStandardOutput();
            using var w = new Utf8JsonWriter(stdout, ResultJson.WriterOptions with { Indented = true });
            w.WriteStartObject();
            w.WriteNumber("total", total);
            w.WriteNumber("supported", detections.Count - unsupported.Count);
            w.WriteStartArray("unsupported");
            foreach (var (d, reason) in unsupported)
            {
                w.WriteStartObject();
                w.WriteString("file", d.File);
                w.WriteString("detection", d.Name);
                w.WriteString("reason", reason);
                w.WriteEndObject();
            }

            foreach (var (file, name, reason) in loadProblems)
            {
                w.WriteStartObject();
                w.WriteString("file", file);
                w.WriteString("detection", name);
                w.WriteString("reason", reason);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
            stdout.Write("\n"u8);
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("file").AddColumn("reason");
        foreach (var (d, reason) in unsupported)
        {
            table.AddRow(Markup.Escape(d.File), Markup.Escape(reason));
        }

        foreach (var (file, _, reason) in loadProblems)
        {
            table.AddRow(Markup.Escape(file), Markup.Escape(reason));
        }

        if (unsupported.Count + loadProblems.Count > 0)
        {
            AnsiConsole.Write(table);
        }

        var supported = detections.Count - unsupported.Count;
        AnsiConsole.MarkupLine($"{supported} of {total} detections load, expand, parse and plan ({100.0 * supported / Math.Max(1, total):0.0}%).");
        return 0;
    }
}
