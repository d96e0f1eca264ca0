using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Window claims of several nodes on the two-shard cluster, in process: nodes claiming the same
/// windows at the same moment get one winner per window and agree on it; a window in the ledger is
/// done for everyone; a claim that expired (its node died) is taken over by another node.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseWindowLeaseTests(ClickHouseCluster cluster)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    [ClickHouseFact]
    public async Task NodesClaimingTheSameWindowsTogetherGetOneWinnerEach()
    {
        var db = "escudo_l" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using var store = new ClickHouseStore(cluster.In(db), null, null);
            var windows = Enumerable.Range(0, 20).Select(i => new ScheduledWindow("det-" + (i % 5), 1_000_000 + (i * 60))).ToList();
            var nodes = Enumerable.Range(0, 3).Select(i => new ClickHouseWindowLease(store, "node" + i, TimeSpan.FromMinutes(5), Settle, TimeProvider.System)).ToList();
            // Every node claims every window at once, a few rounds (a claim released for a slow insert
            // on a loaded machine is asked again, as the scheduler does): a window never has two winners.
            var winners = windows.ToDictionary(w => w, _ => new HashSet<string>());
            for (var round = 0; round < 4 && winners.Values.Any(v => v.Count == 0); round++)
            {
                var answers = await Task.WhenAll(nodes.Select(n => n.TryClaimAsync(windows, CancellationToken.None)));
                for (var i = 0; i < nodes.Count; i++)
                {
                    foreach (var w in windows)
                    {
                        Assert.NotEqual(LeaseAnswer.Done, answers[i][w]);
                        if (answers[i][w] == LeaseAnswer.Won)
                        {
                            winners[w].Add(nodes[i].Node);
                        }
                    }
                }
            }

            Assert.All(winners, kv => Assert.True(kv.Value.Count <= 1, $"{kv.Key}: won by {string.Join(", ", kv.Value)}"));
            Assert.True(winners.Values.Count(v => v.Count == 1) > 0, "no node won any window in four rounds");

            // Asked again, the node that won a window keeps it and no other node gets it.
            var again = await Task.WhenAll(nodes.Select(n => n.TryClaimAsync(windows, CancellationToken.None)));
            foreach (var (w, won) in winners.Where(kv => kv.Value.Count == 1))
            {
                for (var i = 0; i < nodes.Count; i++)
                {
                    Assert.Equal(won.Contains(nodes[i].Node) ? LeaseAnswer.Won : LeaseAnswer.Held, again[i][w]);
                }
            }

            // Once the ledger records a window, it is done for every node.
            var first = windows[0];
            store.Commit([], [new RunRecord(first.DetectionId, "d", first.Scheduled, 0, 0, "success", 0, 0, 0, null, 0)]);
            var after = await Task.WhenAll(nodes.Select(n => n.TryClaimAsync([first], CancellationToken.None)));
            Assert.All(after, a => Assert.Equal(LeaseAnswer.Done, a[first]));
        }
        finally
        {
            cluster.Drop(db);
        }
    }

    [ClickHouseFact]
    public async Task AnExpiredClaimIsTakenOverByAnotherNode()
    {
        var db = "escudo_l" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using var store = new ClickHouseStore(cluster.In(db), null, null);
            var window = new ScheduledWindow("det", 2_000_000);
            var dying = new ClickHouseWindowLease(store, "dying", TimeSpan.FromSeconds(8), Settle, TimeProvider.System);
            var other = new ClickHouseWindowLease(store, "other", TimeSpan.FromMinutes(5), Settle, TimeProvider.System);
            LeaseAnswer first;
            var tries = 0;
            do
            {
                // A claim released for a slow insert (a loaded machine) is asked again, as the scheduler does.
                first = (await dying.TryClaimAsync([window], CancellationToken.None))[window];
            }
            while (first != LeaseAnswer.Won && ++tries < 5);
            Assert.Equal(LeaseAnswer.Won, first);
            Assert.Equal(LeaseAnswer.Held, (await other.TryClaimAsync([window], CancellationToken.None))[window]);

            await Task.Delay(TimeSpan.FromSeconds(8)); // the dying node's claim expires
            LeaseAnswer takeover;
            tries = 0;
            do
            {
                takeover = (await other.TryClaimAsync([window], CancellationToken.None))[window];
            }
            while (takeover != LeaseAnswer.Won && ++tries < 5);
            Assert.Equal(LeaseAnswer.Won, takeover);
        }
        finally
        {
            cluster.Drop(db);
        }
    }
}
