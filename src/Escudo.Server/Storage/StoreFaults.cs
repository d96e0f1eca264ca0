namespace Escudo.Server.Storage;

/// <summary>
/// A fault-injection seam in the store's file layer, for the fault tests only (CI runs as root,
/// where a read-only folder does not stop writes, and a full disk cannot be made on demand).
/// When a fault is set, the store's own write path throws the I/O error the operating system
/// would give at that step, so everything above it (rollback, commit queue, HEC answers, the
/// scheduler's retry, health) runs the production code. Never set in production.
/// </summary>
public sealed class StoreFaults
{
    private volatile StoreFault _fault;
    private volatile string? _poison;

    public StoreFault Current
    {
        get => _fault;
        set => _fault = value;
    }

    /// <summary>Rows whose <c>_raw</c> contains this text are refused as a value the store cannot hold (not an I/O error).</summary>
    public string? Poison
    {
        get => _poison;
        set => _poison = value;
    }

    /// <summary>While set and not signalled, commits wait before appending (a stalled disk: the queue fills up behind them).</summary>
    public ManualResetEventSlim? Stall { get; set; }

    internal void CheckRow(string? raw)
    {
        if (_poison is { } p && raw is not null && raw.Contains(p, StringComparison.Ordinal))
        {
            throw new ArgumentException("the store cannot hold a value of this row (injected fault: poison value)");
        }
    }

    /// <summary>Throws when the current fault stops the given step.</summary>
    internal void Check(StoreStep step)
    {
        if (step == StoreStep.Append)
        {
            Stall?.Wait();
        }

        switch (_fault)
        {
            case StoreFault.DiskFull when step is StoreStep.Append or StoreStep.Commit or StoreStep.Checkpoint:
                throw new IOException("No space left on device (injected fault: disk full)");
            case StoreFault.ReadOnly when step is StoreStep.Commit or StoreStep.Checkpoint or StoreStep.Open:
                throw new IOException("Read-only file system (injected fault: read-only data folder)");
            case StoreFault.ErrorAfterCommit when step is StoreStep.AfterCommit:
                throw new IOException("Input/output error after the commit was written (injected fault: error after commit)");
        }
    }
}

public enum StoreFault
{
    None,

    /// <summary>Writes fail as on a full disk (ENOSPC).</summary>
    DiskFull,

    /// <summary>The data folder became read-only (EROFS): commits, checkpoints and reopening for write fail.</summary>
    ReadOnly,

    /// <summary>The commit is durable but reports an error (as a failing fsync after the WAL write can): the caller must not write it twice.</summary>
    ErrorAfterCommit,
}

/// <summary>Where in the write path a fault can strike.</summary>
internal enum StoreStep
{
    Open,
    Append,
    Commit,
    Checkpoint,
    AfterCommit,
}
