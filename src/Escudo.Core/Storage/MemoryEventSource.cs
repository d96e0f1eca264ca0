using Escudo.Core.Events;

namespace Escudo.Core.Storage;

/// <summary>Events held in a list; the filter is applied by the engine.</summary>
public sealed class MemoryEventSource(IReadOnlyList<Row> events) : IEventSource
{
    public static readonly MemoryEventSource Empty = new([]);

    public IReadOnlyList<Row> Events { get; } = events;

    public bool AppliesFilters => true;

    public IEnumerable<Row> Scan(ScanRequest request) => ScanList(Events, request);

    /// <summary>The rows of a list that fall in the request's time range and pass its filter.</summary>
    public static IEnumerable<Row> ScanList(IEnumerable<Row> rows, ScanRequest request)
    {
        var time = request.Time;
        var filter = request.Filter;
        foreach (var e in rows)
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
