using Cronos;

namespace Escudo.Server.Scheduling;

/// <summary>
/// The detections' cron schedule: Splunk's five fields (minute hour day month weekday), or six
/// with a leading seconds field (<c>*/5 * * * * *</c>) for schedules finer than a minute, which
/// the multi-node test uses to run many windows in a short time.
/// </summary>
internal static class CronSchedule
{
    public static CronExpression Parse(string cron) =>
        CronExpression.Parse(cron, cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
}
