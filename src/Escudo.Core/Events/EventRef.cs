namespace Escudo.Core.Events;

/// <summary>
/// Where one event came from, kept compact so that carrying it costs the hot path nothing but a
/// copy: the interned origin (input file, channel and computer, see <see cref="EventOrigins"/>),
/// the event's record number in that input and its event time. Names are resolved only when a
/// result is written out.
/// </summary>
/// <param name="Origin">An id from <see cref="EventOrigins"/>; 0 for an event with no known origin.</param>
/// <param name="Record">The EventRecordID when the event has one, else its 1-based position in the input (see <see cref="EventOrigin.RecordIsPosition"/>).</param>
/// <param name="Time">The event's own time (its <c>_time</c> when it was read), in epoch seconds; NaN when it had none.</param>
public readonly record struct EventRef(int Origin, long Record, double Time)
{
    public bool IsKnown => Origin != 0;
}
