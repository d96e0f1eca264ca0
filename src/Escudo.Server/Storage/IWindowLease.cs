namespace Escudo.Server.Storage;

/// <summary>
/// Claims on scheduled windows of detections, for several Escudo nodes on one store: of the nodes
/// that ask for a window, one is told to run it, the others wait until it is done or until the
/// claim expires (its node died), when one of them claims it in turn. Windows are claimed in bulk,
/// all those due at a tick at once, since a claim takes a settling time.
/// </summary>
public interface IWindowLease
{
    Task<IReadOnlyDictionary<ScheduledWindow, LeaseAnswer>> TryClaimAsync(IReadOnlyCollection<ScheduledWindow> windows, CancellationToken cancellation);
}

/// <summary>One occurrence of a detection's schedule.</summary>
public readonly record struct ScheduledWindow(string DetectionId, double Scheduled);

public enum LeaseAnswer
{
    /// <summary>This node holds the window: run it.</summary>
    Won,

    /// <summary>Another node holds a claim that has not expired: ask again later.</summary>
    Held,

    /// <summary>The ledger already records the window as run: nothing to do.</summary>
    Done,
}
