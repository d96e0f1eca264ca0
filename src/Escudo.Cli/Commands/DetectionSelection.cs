using Escudo.Detections.Content;
using Escudo.Detections.Running;

namespace Escudo.Cli.Commands;

/// <summary>
/// Which detections of a content folder a command works on, and the errors when a selector or a
/// content folder selects nothing (the contract: exit 1 naming what was looked for, never a green
/// run that did nothing). Invalid detection files are selected by the same rules, so they are
/// counted and listed as unsupported instead of vanishing.
/// </summary>
internal static class DetectionSelection
{
    /// <summary>The detection types ESCU defines (contentctl's analytic types).</summary>
    public static readonly string[] KnownTypes = ["TTP", "Anomaly", "Hunting", "Correlation"];

    /// <summary>Says on stderr that the content folder has no detection files at all; false then.</summary>
    public static bool RequireDetectionFiles(ContentFolder content, string dir)
    {
        if (content.Detections.Count + content.Invalid.Count > 0)
        {
            return true;
        }

        var where = Path.Combine(dir, "detections");
        Console.Error.WriteLine(content.HasDetectionsFolder
            ? $"escudo: no detections in {dir}: {where} holds no .yml files"
            : $"escudo: no detections in {dir}: it has no detections/ folder (an ESCU-layout content folder has detections/, macros/, lookups/)");
        return false;
    }

    /// <summary>Says on stderr which <c>--type</c> values are not detection types, with the valid ones; false then.</summary>
    public static bool CheckTypes(IReadOnlyList<string> types, ContentFolder content)
    {
        // Content of one's own may use a type ESCU does not; what the folder holds is valid too.
        var valid = KnownTypes.Concat(content.Detections.Select(d => d.Type)).Where(t => !string.IsNullOrWhiteSpace(t))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var unknown = types.Where(t => !valid.Contains(t, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count == 0)
        {
            return true;
        }

        Console.Error.WriteLine($"escudo: unknown --type {string.Join(", ", unknown.Select(t => $"`{t}`"))}; valid values: {string.Join(", ", valid)}");
        return false;
    }

    /// <summary>Whether a glob selects a file that did not load, by its name, file, file name or id as for a detection.</summary>
    public static bool Matches(string pattern, InvalidDetection d) =>
        Glob.Matches(pattern, d.Name) || Glob.Matches(pattern, d.File) || Glob.Matches(pattern, Path.GetFileNameWithoutExtension(d.File)) || (d.Id is not null && Glob.Matches(pattern, d.Id));

    /// <summary>
    /// A file that did not load, as a detection whose run is its error, so that summaries, reports
    /// and totals list it next to the detections that could not be planned.
    /// </summary>
    public static DetectionRun AsUnsupportedRun(InvalidDetection d) =>
        new(new Detection { Name = d.Name, Id = d.Id ?? string.Empty, File = d.File, Type = d.Type ?? string.Empty, Status = d.Status ?? string.Empty }, [], [], [], d.Reason, string.Empty);

    /// <summary>The selectors given, as the user wrote them, for a message that names what was looked for.</summary>
    public static string Describe(IReadOnlyList<string> only, IReadOnlyList<string> exclude, IReadOnlyList<string> types)
    {
        var parts = only.Select(p => $"--only `{p}`")
            .Concat(exclude.Select(p => $"--exclude `{p}`"))
            .Concat(types.Select(t => $"--type {t}"));
        return string.Join(" ", parts);
    }

    /// <summary>Writes the macro and lookup files that did not load to stderr: a detection that names one then fails with a reason that points here.</summary>
    public static void ReportContentProblems(ContentFolder content)
    {
        foreach (var (file, reason) in content.Problems)
        {
            Console.Error.WriteLine($"escudo: warning: {file}: {reason}");
        }
    }
}
