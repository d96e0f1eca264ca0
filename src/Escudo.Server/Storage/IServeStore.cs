using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// What <c>escudo serve</c> needs of a persistent store: the search engine's <see cref="IStore"/>,
/// an atomic durable append (events plus scheduler records in one transaction), and the
/// scheduler's ledger. Embedded DuckDB implements it; a cluster (ClickHouse: a MergeTree ordered
/// by (index, _time) and a ReplacingMergeTree ledger keyed by (detection, scheduled)) could too.
/// </summary>
public interface IServeStore : IStore, IDisposable
{
    /// <summary>Appends events and run records atomically; returns once they are durable.</summary>
    void Commit(IReadOnlyList<Row> events, IReadOnlyList<RunRecord> runs);

    /// <summary>
    /// Whether <see cref="Commit"/> stores a Windows XML event that carries an <c>XmlRowRecipe</c> as
    /// its default fields, <c>_raw</c> and the recipe only (reading nothing else of the row), so HEC
    /// may hand it a slim row (<c>XmlRowRecipe.Slim</c>).
    /// </summary>
    bool KeepsXmlRecipes => false;

    /// <summary>Scans with equality constraints the store evaluates itself (a superset; the engine re-filters).</summary>
    IEnumerable<Row> Scan(ScanRequest request, Pushdown pushdown, CancellationToken cancellation);

    /// <summary>
    /// A scan for a search that can carry messages: a store that can answer in part (a cluster with a
    /// shard down, when configured to) calls <paramref name="warn"/> with what is missing; any other
    /// scans as usual (and fails rather than answer short).
    /// </summary>
    IEnumerable<Row> Scan(ScanRequest request, Pushdown pushdown, CancellationToken cancellation, Action<string>? warn) =>
        Scan(request, pushdown, cancellation);

    /// <summary>The ledger: the latest scheduled time recorded per detection id.</summary>
    IReadOnlyDictionary<string, double> LastScheduled();

    IReadOnlyList<RunRecord> Runs(int limit);

    /// <summary>Whether the ledger already holds a run (not a registration) of this detection at this scheduled time: a retried window is written once.</summary>
    bool HasRun(string detectionId, double scheduled);

    /// <summary>A small real durable write, to find out whether a failed store works again.</summary>
    void Probe(double now);

    long CountEvents();

    /// <summary>
    /// The stored events with this row id (the <c>row_id</c> of an <c>escudo_evidence</c> reference;
    /// normally one), near <paramref name="time"/> (the reference's event time) when given.
    /// </summary>
    IReadOnlyList<Row> EventsByRowId(long rowId, double? time, CancellationToken cancellation);
}

/// <summary>One scheduled occurrence of a detection: run, skipped (service down) or failed.</summary>
public sealed record RunRecord(
    string DetectionId,
    string Detection,
    double Scheduled,
    double Earliest,
    double Latest,
    string Status,
    int Results,
    int Notables,
    int RiskEvents,
    string? Error,
    double RanAt);
