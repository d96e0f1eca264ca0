using System.Diagnostics;
using System.Globalization;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Window claims in ClickHouse's <c>leases</c> table. ClickHouse has no compare-and-set, so a claim
/// is decided by order, not by a lock: a node inserts its claims (its name, the time it claimed,
/// when the claim expires), waits a settling time, and reads every claim of those windows; the
/// earliest unexpired claim (ties broken by node name) wins. Claims whose insert took longer than
/// half the settling time are released at once (the node asks again later), so every claim a node acts on
/// was readable before any later claimant's read: all nodes pick the same winner, provided their
/// clocks agree to within a fraction of the settling time. A claim expires after <c>lease</c>
/// (longer than a search may run), so a window whose node died is run by another; the window's
/// notables carry a batch id made from the window, so a re-run after a partial commit adds only
/// what is missing. A window is done when the ledger holds its run record, written after its notables.
/// </summary>
internal sealed class ClickHouseWindowLease(ClickHouseStore store, string node, TimeSpan lease, TimeSpan settle, TimeProvider time) : IWindowLease
{
    public string Node => node;

    public async Task<IReadOnlyDictionary<ScheduledWindow, LeaseAnswer>> TryClaimAsync(IReadOnlyCollection<ScheduledWindow> windows, CancellationToken cancellation)
    {
        var answers = new Dictionary<ScheduledWindow, LeaseAnswer>();
        var done = RunWindows(windows);
        var now = Now();
        var claims = Claims(windows.Where(w => !done.Contains(w)).ToList());
        var open = new List<ScheduledWindow>();
        foreach (var w in windows)
        {
            // The earliest live claim decides: another node's, wait; this node's (a retry after its own
            // failed commit), run again; none, claim it below.
            var holder = Winner(claims.GetValueOrDefault(w, []), now);
            answers[w] = done.Contains(w) ? LeaseAnswer.Done : holder is null ? LeaseAnswer.Won : holder.Node == node ? LeaseAnswer.Won : LeaseAnswer.Held;
            if (answers[w] == LeaseAnswer.Won && holder is null)
            {
                open.Add(w);
            }
        }

        if (open.Count == 0)
        {
            return answers;
        }

        var clock = Stopwatch.StartNew();
        var claimed = Now();
        InsertClaims(open, node, claimed, claimed + lease.TotalSeconds);
        if (clock.Elapsed > settle / 2)
        {
            // Too slow to be ordered safely against other claimants: released (a copy that expires
            // at once), so nobody waits for it, and asked again at the next tick.
            InsertClaims(open, node, claimed, claimed);
            return answers.ToDictionary(a => a.Key, a => a.Value == LeaseAnswer.Won ? LeaseAnswer.Held : a.Value);
        }

        await Task.Delay(settle, cancellation);
        done = RunWindows(open);
        claims = Claims(open);
        foreach (var w in open)
        {
            var winner = Winner(claims.GetValueOrDefault(w, []), claimed);

            answers[w] = done.Contains(w) ? LeaseAnswer.Done : winner?.Node == node ? LeaseAnswer.Won : LeaseAnswer.Held;
        }

        return answers;
    }

    /// <summary>Every claim on these scheduled windows (see <see cref="ClickHouseWindowLease"/>).</summary>
    private Dictionary<ScheduledWindow, List<LeaseClaim>> Claims(IReadOnlyCollection<ScheduledWindow> windows)
    {
        var result = new Dictionary<ScheduledWindow, List<LeaseClaim>>();
        foreach (var part in windows.Chunk(500))
        {
            foreach (var line in store.QueryLines($"SELECT detection_id, scheduled, node, claimed, expires FROM {store.Table("leases")} WHERE {WindowsIn(part)} FORMAT TabSeparated"))
            {
                var f = line.Split('\t');
                var w = new ScheduledWindow(Sql.UnescapeTsv(f[0]), double.Parse(f[1], CultureInfo.InvariantCulture));
                (result.TryGetValue(w, out var list) ? list : result[w] = []).Add(
                    new LeaseClaim(Sql.UnescapeTsv(f[2]), double.Parse(f[3], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture)));
            }
        }

        // A claim and its release (the same node and claim time, expiring at once) are one released claim.
        return result.ToDictionary(
            r => r.Key,
            r => r.Value.GroupBy(c => (c.Node, c.Claimed)).Select(g => new LeaseClaim(g.Key.Node, g.Key.Claimed, g.Min(c => c.Expires))).ToList());
    }

    /// <summary>Which of these windows the ledger holds a run of (not a registration).</summary>
    private HashSet<ScheduledWindow> RunWindows(IReadOnlyCollection<ScheduledWindow> windows)
    {
        var result = new HashSet<ScheduledWindow>();
        foreach (var part in windows.Chunk(500))
        {
            foreach (var line in store.QueryLines($"SELECT DISTINCT detection_id, scheduled FROM {store.Table("runs")} WHERE status != 'registered' AND {WindowsIn(part)} FORMAT TabSeparated"))
            {
                var tab = line.LastIndexOf('\t');
                result.Add(new ScheduledWindow(Sql.UnescapeTsv(line[..tab]), double.Parse(line[(tab + 1)..], CultureInfo.InvariantCulture)));
            }
        }

        return result;
    }

    private static string WindowsIn(IEnumerable<ScheduledWindow> windows) =>
        "(detection_id, scheduled) IN (" + string.Join(", ", windows.Select(w => $"({Sql.Literal(w.DetectionId)}, {Sql.Number(w.Scheduled)})")) + ")";

    /// <summary>Stores claims on scheduled windows, synchronously on their shards.</summary>
    private void InsertClaims(IEnumerable<ScheduledWindow> windows, string node, double claimed, double expires)
    {
        var w = new RowBinaryWriter();
        foreach (var window in windows)
        {
            w.String(window.DetectionId);
            w.Float64(window.Scheduled);
            w.String(node);
            w.Float64(claimed);
            w.Float64(expires);
        }

        store.InsertRows("leases", w.ToArray());
    }

    /// <summary>The earliest claim still live at <paramref name="at"/>, ties broken by node name; null when none is.</summary>
    private static LeaseClaim? Winner(List<LeaseClaim> claims, double at) =>
        claims.Where(c => c.Expires > at).OrderBy(c => c.Claimed).ThenBy(c => c.Node, StringComparer.Ordinal).FirstOrDefault();

    private double Now() => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>A node name unique to this process: the machine, the process id and a random part (a restarted node is a new claimant).</summary>
    public static string NewNodeName() =>
        $"{Environment.MachineName}:{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}:{Guid.NewGuid().ToString("N")[..8]}";
}

/// <summary>One row of the <c>leases</c> table.</summary>
internal sealed record LeaseClaim(string Node, double Claimed, double Expires);
