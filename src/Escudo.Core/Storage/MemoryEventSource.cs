using Escudo.Core.Events;

namespace Escudo.Core.Storage;

/// <summary>Events held in a list; the filter is applied by the engine.</summary>
public sealed class MemoryEventSource(IReadOnlyList<Row> events) : IEventSource
{
    public static readonly MemoryEventSource Empty = new([]);

    public IReadOnlyList<Row> Events { get; } = events;

    public bool AppliesFilters => true;

    public IEnumerable<Row> Scan(ScanRequest request)
    {
        var time = request.Time;
        var filter = request.Filter;
        foreach (var e in Events)
        {
            if (!time.IsAll && !time.Contains(e.Time))
            {
                continue;
            }

            if (filter is null || filter(e))
            {
                yield return e;
            }
        }
    }
}
