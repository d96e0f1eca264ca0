namespace Escudo.Server.Storage;

/// <summary>
/// Where Incident Review's edits live: the current status, owner and comment per notable and the
/// audit trail of every change. The embedded store keeps them in its DuckDB file
/// (<see cref="NotableReviews"/>); a ClickHouse store keeps them on the cluster
/// (<see cref="ClickHouse.ClickHouseNotableReviews"/>), so every server on that cluster shares them.
/// </summary>
public interface INotableReviewStore
{
    /// <summary>The current state of every reviewed notable.</summary>
    Dictionary<string, NotableReview> All();

    /// <summary>The audit trail of one notable, oldest first.</summary>
    List<NotableAuditEntry> Audit(string notableId);

    /// <summary>
    /// Applies one edit to several notables (bulk edit): a null argument leaves that field as it
    /// is. <paramref name="current"/> gives each notable's state before the edit (its stored review,
    /// or the notable's own status and owner). Returns how many notables changed.
    /// </summary>
    int Apply(IReadOnlyList<string> ids, string? status, string? owner, string? comment, string user, double now, Func<string, (string Status, string Owner, string? Comment)> current);
}
