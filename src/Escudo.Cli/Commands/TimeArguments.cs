using System.Globalization;
using Escudo.Core.Time;

namespace Escudo.Cli.Commands;

/// <summary>
/// The values of --now, --earliest and --latest. A value Escudo cannot use is an error naming it:
/// silently falling back to the clock would make a "reproducible" run depend on when it ran.
/// </summary>
internal static class TimeArguments
{
    /// <summary>Epoch seconds for --now (the current time when absent); false with a message when unusable.</summary>
    public static bool TryParseNow(string? text, out double now, out string? error)
    {
        error = null;
        if (text is null)
        {
            now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            return true;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out now) || !double.IsFinite(now))
        {
            error = $"escudo: --now `{text}` is not epoch seconds (a number such as 1700000000)";
            return false;
        }

        if (now < SearchTimeZone.MinEpoch || now > SearchTimeZone.MaxEpoch)
        {
            error = $"escudo: --now {text} is outside the years 1 to 9999 ({SearchTimeZone.MinEpoch:0} to {SearchTimeZone.MaxEpoch:0} epoch seconds)";
            return false;
        }

        return true;
    }

    /// <summary>The time a --earliest or --latest modifier names, or a message naming the option and the value.</summary>
    public static bool TryResolve(string option, string? text, double now, out double? time, out string? error)
    {
        time = null;
        error = null;
        if (text is null)
        {
            return true;
        }

        time = RelativeTime.Resolve(text, now);
        if (time is null)
        {
            error = $"escudo: {option} `{text}` is not a time modifier Escudo can resolve: use one such as -24h@h, @d, now or epoch seconds, within the years 1 to 9999";
            return false;
        }

        return true;
    }
}
