using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Stats;

/// <summary>
/// The running state of one stats function for one group: values are added one by one (with the
/// row's time for earliest/latest), partial states can be merged, and the result is read at the end.
/// </summary>
public abstract class Aggregator
{
    public abstract void Add(Value value, double time);

    public abstract Value Result();
}
