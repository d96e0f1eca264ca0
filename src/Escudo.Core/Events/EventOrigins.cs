using System.Collections.Concurrent;

namespace Escudo.Core.Events;

/// <summary>What an <see cref="EventRef.Origin"/> id stands for.</summary>
/// <param name="Input">The input file (an entry inside an archive as <c>archive.zip!entry</c>), or the HEC source.</param>
/// <param name="Channel">The Windows event log channel, when the event had one.</param>
/// <param name="Computer">The computer (host) that logged the event, when known.</param>
/// <param name="RecordIsPosition">True when the events of this origin had no EventRecordID, so their record is their position in the input.</param>
/// <param name="IsStoreRow">
/// True for events read back from <c>escudo serve</c>'s store (they came through HEC): Input is their
/// <c>source</c>, Computer their <c>host</c>, and the record is the store's row id, the handle to the stored event.
/// </param>
public sealed record EventOrigin(string Input, string? Channel, string? Computer, bool RecordIsPosition, bool IsStoreRow = false);

/// <summary>
/// The process-wide table of event origins: each distinct (input, channel, computer) gets one
/// small id, so an event reference is three numbers however long the path is. A run reads a few
/// files with a few channels and hosts each, so the table stays small.
/// </summary>
public static class EventOrigins
{
    private static readonly ConcurrentDictionary<EventOrigin, int> Ids = new();
    private static readonly List<EventOrigin> ById = [new EventOrigin(string.Empty, null, null, false)];
    private static readonly Lock Gate = new();

    /// <summary>The id of an origin, made on first use; never 0.</summary>
    public static int Intern(string input, string? channel, string? computer, bool recordIsPosition, bool isStoreRow = false)
    {
        var key = new EventOrigin(input, channel, computer, recordIsPosition, isStoreRow);
        if (Ids.TryGetValue(key, out var id))
        {
            return id;
        }

        lock (Gate)
        {
            if (Ids.TryGetValue(key, out id))
            {
                return id;
            }

            ById.Add(key);
            id = ById.Count - 1;
            Ids[key] = id;
            return id;
        }
    }

    /// <summary>The origin of an id, or null for 0 and ids this process did not give.</summary>
    public static EventOrigin? Get(int id)
    {
        if (id <= 0)
        {
            return null;
        }

        lock (Gate)
        {
            return id < ById.Count ? ById[id] : null;
        }
    }
}
