using Escudo.Core.Events;

namespace Escudo.Cli.Commands.Report;

/// <summary>One risk event as the report lists it under its object.</summary>
/// <param name="Time">The earliest event time of the events behind it; its <c>_time</c> when it names none.</param>
internal sealed record RiskEntry(int Detection, double Score, double Time, string Message);

/// <summary>The risk of one object (a user, a system): the sum of its risk events' scores and those events.</summary>
internal sealed record RiskObject(string Object, string Type, double Score, double FirstTime, double LastTime, IReadOnlyList<int> Detections, IReadOnlyList<RiskEntry> Events);

/// <summary>Risk by object, as Enterprise Security's Risk Analysis sums it: the objects with the most risk first.</summary>
internal static class ReportRisk
{
    /// <param name="riskEvents">Each risk event with the report's index of the detection that made it.</param>
    public static List<RiskObject> ByObject(IEnumerable<(int Detection, Row RiskEvent)> riskEvents)
    {
        var objects = new List<RiskObject>();
        var groups = riskEvents.GroupBy(x => (Object: x.RiskEvent.Get("risk_object").ToDisplayString(), Type: x.RiskEvent.Get("risk_object_type").ToDisplayString()));
        foreach (var g in groups)
        {
            // Risk events are shown in event time (the events behind them), not when the search ran.
            var events = g.Select(x => new RiskEntry(x.Detection, Score(x.RiskEvent), EventTime(x.RiskEvent), x.RiskEvent.Get("risk_message").ToDisplayString()))
                .OrderBy(e => double.IsNaN(e.Time) ? double.MaxValue : e.Time)
                .ToList();
            var times = events.Select(e => e.Time).Where(t => !double.IsNaN(t)).ToList();
            objects.Add(new RiskObject(
                g.Key.Object,
                g.Key.Type,
                events.Sum(e => e.Score),
                times.Count > 0 ? times.Min() : double.NaN,
                times.Count > 0 ? times.Max() : double.NaN,
                [.. events.Select(e => e.Detection).Distinct().Order()],
                events));
        }

        return [.. objects.OrderByDescending(o => o.Score).ThenByDescending(o => o.Events.Count).ThenBy(o => o.Object, StringComparer.Ordinal)];
    }

    private static double Score(Row e) => e.Get("risk_score").TryGetNumber(out var x) ? x : 0;

    private static double EventTime(Row e) => Evidence.Of(e) is { FirstTime: var t } && !double.IsNaN(t) ? t : e.Time;
}
