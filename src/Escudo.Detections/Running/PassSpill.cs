using Escudo.Spl.Execution;

namespace Escudo.Detections.Running;

/// <summary>
/// The shared pass's memory bounds: between batches, past the budgets, it writes the largest
/// stats group holders and the kept rows to disk; at the end it releases what was kept and
/// removes the spill folder. Results do not change (spilled groups merge back in run order).
/// </summary>
internal sealed class PassSpill(PassRouting routing)
{
    private SpillDirectory? _spill;

    /// <summary>See <see cref="SharedPass.MaxGroupsInMemory"/>.</summary>
    public long MaxGroupsInMemory { get; set; } = 400_000;

    /// <summary>See <see cref="SharedPass.MaxKeptRowsInMemory"/>.</summary>
    public long MaxKeptRowsInMemory { get; set; } = 100_000;

    /// <summary>See <see cref="SharedPass.MaxKeptBytesInMemory"/>.</summary>
    public long MaxKeptBytesInMemory { get; set; } = 256L << 20;

    /// <summary>See <see cref="SharedPass.MergeInMemoryUpTo"/>.</summary>
    public long MergeInMemoryUpTo { get; set; } = 100_000;

    public string? SpillFolder { get; set; }

    public long SpilledRows { get; private set; }

    public long SpilledBytes { get; private set; }

    public string? SpillError { get; private set; }

    /// <summary>Between batches (no detection is being fed), spills the largest group holders when all hold too many.</summary>
    public void SpillIfOverBudget()
    {
        long held = 0;
        foreach (var s in routing.Streams)
        {
            held += s.GroupCount;
        }

        long kept = 0, keptBytes = 0;
        foreach (var list in routing.Plans.Select(p => p.Events).Concat(routing.RetainedRows.OfType<KeptRows>()))
        {
            kept += list.InMemory;
            keptBytes += list.InMemoryBytes;
        }

        var spillKept = kept > MaxKeptRowsInMemory || keptBytes > MaxKeptBytesInMemory;
        if ((held <= MaxGroupsInMemory && !spillKept) || SpillError is not null)
        {
            return;
        }

        _spill ??= new SpillDirectory(SpillFolder);
        var before = _spill.BytesWritten;
        try
        {
            if (spillKept)
            {
                // Rows kept for detections that run after the pass: all of them go, in their order.
                foreach (var list in routing.Plans.Select(p => p.Events).Concat(routing.RetainedRows.OfType<KeptRows>()))
                {
                    var rows = list.InMemory;
                    SpilledBytes += list.Spill(_spill);
                    SpilledRows += rows;
                }
            }

            var spillGroups = held > MaxGroupsInMemory;
            foreach (var s in routing.Streams.OrderByDescending(s => s.GroupCount))
            {
                // Down to half the budget, so spills are not made every batch; small holders are
                // not worth their files and stay in memory.
                if (!spillGroups || held <= MaxGroupsInMemory / 2 || s.GroupCount < 256)
                {
                    break;
                }

                held -= s.GroupCount;
                s.MergeInMemoryUpTo = MergeInMemoryUpTo;
                s.Spill(_spill);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No room or no right to write: the pass goes on in memory, and says so.
            SpillError = $"cannot write to the spill folder ({e.Message}); stats groups and kept rows stay in memory";
        }

        SpilledBytes += _spill.BytesWritten - before;
    }

    /// <summary>After every detection finished: the kept data model rows go and the spill folder is removed.</summary>
    public void Release()
    {
        foreach (var kept in routing.RetainedRows)
        {
            kept?.Release();
        }

        _spill?.Dispose();
    }
}
