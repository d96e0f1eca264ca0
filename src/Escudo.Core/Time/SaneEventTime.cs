namespace Escudo.Core.Time;

/// <summary>
/// The rule for an event's own time: a finite epoch from 1970-01-01 up to the last second of
/// year 9999. Outside it no date can be rendered (<c>strftime</c>, <c>convert ctime</c>) and
/// time arithmetic overflows, so one such event would break every search that touches it.
/// </summary>
public static class SaneEventTime
{
    /// <summary>9999-12-31T23:59:59Z, the last second <see cref="DateTimeOffset"/> can show.</summary>
    public const double MaxEpoch = 253402300799;

    public static bool IsValid(double epoch) => double.IsFinite(epoch) && epoch >= 0 && epoch <= MaxEpoch;

    /// <summary>Why an epoch is rejected, for messages ("time 1e+300 is out of range ...").</summary>
    public static string Describe(double epoch) =>
        $"time {epoch.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} is outside the valid range 0 to {MaxEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture)} (1970-01-01 to 9999-12-31 UTC)";
}
