using System.Text.Json;
using Escudo.Detections.Running;

namespace Escudo.Cli.Commands;

/// <summary>The hunt's report for people (one self-contained HTML file) and an ATT&amp;CK Navigator layer.</summary>
internal static class HuntReport
{
    /// <summary>Writes the report page (Commands/Report): one self-contained HTML file over every hit of the hunt; false, with the reason on stderr, when the file cannot be written.</summary>
    public static bool TryWriteHtml(string path, HuntSummary s)
    {
        try
        {
            Report.ReportPage.Write(path, s, DateTimeOffset.UtcNow);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: --report {path}: cannot write the report: {e.Message}");
            return false;
        }
    }

    /// <summary>An ATT&amp;CK Navigator layer (format 4.5) scoring each technique by the number of detections that fired on it.</summary>
    public static void WriteNavigatorLayer(string path, IEnumerable<DetectionRun> runs)
    {
        var counts = runs.Where(r => r.Fired)
            .SelectMany(r => (r.Detection.Tags.MitreAttackId ?? []).Select(t => (Technique: t, r.Detection.Name)))
            .GroupBy(x => x.Technique)
            .ToList();
        using var f = File.Create(path);
        using var w = new Utf8JsonWriter(f, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("name", "Escudo hunt");
        w.WriteStartObject("versions");
        w.WriteString("layer", "4.5");
        w.WriteString("navigator", "4.9.1");
        w.WriteString("attack", "15");
        w.WriteEndObject();
        w.WriteString("domain", "enterprise-attack");
        w.WriteString("description", "Techniques of the detections that fired in an Escudo hunt");
        w.WriteStartArray("techniques");
        foreach (var g in counts)
        {
            w.WriteStartObject();
            w.WriteString("techniqueID", g.Key);
            w.WriteNumber("score", g.Count());
            w.WriteString("comment", string.Join("; ", g.Select(x => x.Name).Distinct()));
            w.WriteBoolean("enabled", true);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("gradient");
        w.WriteStartArray("colors");
        w.WriteStringValue("#ffe766");
        w.WriteStringValue("#ff6666");
        w.WriteEndArray();
        w.WriteNumber("minValue", 0);
        w.WriteNumber("maxValue", Math.Max(1, counts.Count == 0 ? 1 : counts.Max(g => g.Count())));
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
