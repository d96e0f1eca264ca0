using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Incident Review's edits on a ClickHouse store live on the cluster: an edit made by one server
/// is seen by another on the same cluster (each with its own connections, as two `escudo serve`
/// processes have), with its audit trail, and both survive the servers closing and opening again.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseReviewTests(ClickHouseCluster cluster)
{
    private static (string Status, string Owner, string? Comment) Fresh(string id) => ("New", "unassigned", null);

    [ClickHouseFact]
    public void A_status_change_through_one_server_is_seen_by_another_and_survives_a_restart()
    {
        var location = cluster.In("escudo_t" + Guid.NewGuid().ToString("N")[..12]);
        const string Comment = "seen on\twks-01\nit's \\ 'quoted'";
        using (var first = new ClickHouseStore(location, null, null))
        using (var second = new ClickHouseStore(location, null, null))
        {
            INotableReviewStore one = new ClickHouseNotableReviews(first), two = new ClickHouseNotableReviews(second);
            Assert.Empty(two.All());

            // Bulk edit through the first server; both notables change.
            Assert.Equal(2, one.Apply(["n-1", "n-2"], "In Progress", "alice", Comment, "alice", 1_700_000_000.25, Fresh));
            var seen = two.All();
            Assert.Equal(["n-1", "n-2"], seen.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(new NotableReview("n-1", "In Progress", "alice", Comment, 1_700_000_000.25, "alice"), seen["n-1"]);
            Assert.Equal(
                [new("n-1", 1_700_000_000.25, "alice", "comment", null, Comment), new("n-1", 1_700_000_000.25, "alice", "owner", "unassigned", "alice"), new NotableAuditEntry("n-1", 1_700_000_000.25, "alice", "status", "New", "In Progress")],
                two.Audit("n-1"));

            // The second server edits on from the state it reads; the first sees it. An edit that changes nothing is not one.
            var state = two.All();
            (string, string, string?) Current(string id) => (state[id].Status, state[id].Owner, state[id].Comment);
            Assert.Equal(1, two.Apply(["n-1"], "Resolved", null, null, "bob", 1_700_000_100, Current));
            Assert.Equal(0, two.Apply(["n-2"], "In Progress", "alice", null, "bob", 1_700_000_200, Current));
            Assert.Equal("Resolved", one.All()["n-1"].Status);
            Assert.Equal("bob", one.All()["n-1"].UpdatedBy);
            Assert.Throws<ArgumentException>(() => one.Apply(["n-1"], "Done", null, null, "alice", 1_700_000_300, Fresh));
        }

        // Both servers gone; a new one on the same cluster has every review and the whole trail.
        using var again = new ClickHouseStore(location, null, null);
        var reopened = new ClickHouseNotableReviews(again);
        Assert.Equal("Resolved", reopened.All()["n-1"].Status);
        Assert.Equal("In Progress", reopened.All()["n-2"].Status);
        Assert.Equal(Comment, reopened.All()["n-1"].Comment);
        Assert.Equal(["comment", "owner", "status", "status"], reopened.Audit("n-1").Select(a => a.Field));
        Assert.Equal(("In Progress", "Resolved"), (reopened.Audit("n-1")[^1].Old, reopened.Audit("n-1")[^1].New));
    }
}
