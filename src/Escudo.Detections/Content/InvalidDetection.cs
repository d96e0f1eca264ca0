namespace Escudo.Detections.Content;

/// <summary>
/// A file under <c>detections/</c> that is not a runnable detection: its YAML does not parse, it
/// parses but is not a detection (no <c>name</c> or <c>id</c>), or it has no <c>search</c>. Commands
/// count and list it as unsupported with <see cref="Reason"/>, so it never vanishes from a total.
/// </summary>
/// <param name="File">The file, relative to the content folder.</param>
/// <param name="Name">The detection's name when the file has one, else the file name without extension.</param>
/// <param name="Id">The detection's id when the file has one.</param>
/// <param name="Type">The detection's type (TTP, Anomaly, ...) when the file parsed; null when it did not.</param>
/// <param name="Status">The detection's status when the file parsed; null when it did not.</param>
/// <param name="Reason">Why it cannot run; YAML errors name the line and column.</param>
public sealed record InvalidDetection(string File, string Name, string? Id, string? Type, string? Status, string Reason)
{
    public bool IsDeprecated => File.Contains("/deprecated/", StringComparison.Ordinal) || string.Equals(Status, "deprecated", StringComparison.OrdinalIgnoreCase);

    public bool IsExperimental => string.Equals(Status, "experimental", StringComparison.OrdinalIgnoreCase);
}
