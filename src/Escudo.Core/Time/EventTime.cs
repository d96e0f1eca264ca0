namespace Escudo.Core.Time;

/// <summary>
/// Which event times Escudo accepts, in one place for every way events come in (files, HEC).
/// A time is valid when it is a finite number of epoch seconds from 1970-01-01 to
/// 9999-12-31T23:59:59Z: what <c>strftime</c>, <c>convert ctime</c> and the time-bucketing
/// commands can render. Times outside (<c>1e300</c>, a year-30828 SystemTime, a zero FILETIME
/// that renders as 1601) broke every search that formats or buckets <c>_time</c>, so an event
/// that carries one keeps its data and gets a substitute time instead (<see cref="Substitute"/>).
/// </summary>
public static class EventTime
{
    /// <summary>1970-01-01T00:00:00Z.</summary>
    public const double MinEpoch = 0;

    /// <summary>9999-12-31T23:59:59Z, the last second <see cref="DateTimeOffset"/> can hold.</summary>
    public const double MaxEpoch = 253402300799;

    public static bool IsValid(double epoch) => double.IsFinite(epoch) && epoch >= MinEpoch && epoch <= MaxEpoch;

    /// <summary>
    /// The time an event with an invalid or missing time gets, following Splunk's precedence for
    /// events without a usable timestamp: the most recent previous event of the same source, else
    /// the source file's modification time, else the current time
    /// (docs.splunk.com/Documentation/Splunk/9.3.1/Data/HowSplunkextractstimestamps).
    /// </summary>
    public static double Substitute(double? previousInSource, double? sourceModified, double now) =>
        previousInSource is { } p && IsValid(p) ? p
        : sourceModified is { } m && IsValid(m) ? m
        : now;

    /// <summary>How an invalid time is named in a warning: the number as read, never an exception's text.</summary>
    public static string Describe(double epoch) => double.IsFinite(epoch)
        ? epoch.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        : epoch.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Why a time is refused, for answers and log lines (HEC refuses such an event with 400 instead of substituting, since its sender can be told).</summary>
    public static string OutOfRange(double epoch) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"time {Describe(epoch)} is outside the valid range {MinEpoch:0} to {MaxEpoch:0} (1970-01-01 to 9999-12-31 UTC)");
}
