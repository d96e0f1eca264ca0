namespace Escudo.Core.Time;

/// <summary>
/// The time zone searches run in: the process's TZ, or UTC when TZ is unset (the contract's rule,
/// so a run on a server with an odd /etc/localtime still gives reproducible output).
/// </summary>
public static class SearchTimeZone
{
    private static TimeZoneInfo? _current;

    public static TimeZoneInfo Current
    {
        get => _current ??= Resolve();
        set => _current = value;
    }

    private static TimeZoneInfo Resolve()
    {
        var tz = Environment.GetEnvironmentVariable("TZ");
        if (string.IsNullOrEmpty(tz))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(tz.TrimStart(':'));
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc;
        }
        catch (InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    /// <summary>The first second of year 1 and the last of year 9999 in epoch seconds, a day inside so any zone offset fits.</summary>
    public const double MinEpoch = -62_135_596_800 + 86_400;

    public const double MaxEpoch = 253_402_300_799 - 86_400;

    /// <summary>The local time for an epoch, or false when it is not a number or not within the years 1 to 9999.</summary>
    public static bool TryToLocal(double epochSeconds, out DateTime local)
    {
        if (!(epochSeconds >= MinEpoch && epochSeconds <= MaxEpoch))
        {
            local = default;
            return false;
        }

        local = ToLocal(epochSeconds);
        return true;
    }

    public static DateTime ToLocal(double epochSeconds)
    {
        var utc = DateTime.UnixEpoch.AddTicks((long)Math.Round(epochSeconds * TimeSpan.TicksPerSecond));
        return TimeZoneInfo.ConvertTimeFromUtc(utc, Current);
    }

    public static double FromLocal(DateTime local)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        var utc = Current.IsInvalidTime(unspecified)
            ? TimeZoneInfo.ConvertTimeToUtc(unspecified.AddHours(1), Current)
            : TimeZoneInfo.ConvertTimeToUtc(unspecified, Current);
        return (utc - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
    }
}
