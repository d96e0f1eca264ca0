namespace Escudo.Core.Time;

/// <summary>A half-open range of event times in epoch seconds: earliest inclusive, latest exclusive.</summary>
public readonly record struct TimeRange(double? Earliest, double? Latest)
{
    public static readonly TimeRange All = new(null, null);

    public bool Contains(double t) => (Earliest is not { } e || t >= e) && (Latest is not { } l || t < l);

    public bool IsAll => Earliest is null && Latest is null;
}
