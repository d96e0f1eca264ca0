namespace Escudo.Core.Events;

/// <summary>
/// The events behind one result: the first <see cref="Limit"/> contributing events (in input
/// order), how many contributed in all, and the earliest and latest event time among all of them.
/// Aggregations (stats, tstats, transaction, join) carry one per group, so any result, notable
/// or risk event can be traced to the events that made it, the way Enterprise Security drills
/// down from a notable to its events, but without running a search again.
/// </summary>
public sealed class Evidence
{
    private static int _limit = 10;

    private EventRef[] _refs = [];
    private int _held;

    // The evidence objects merged in so far, made only when results are aggregated again: the
    // notable and the risk events of one result share one object, and a correlation over those
    // risk events must count that result's events once.
    private HashSet<Evidence>? _merged;

    /// <summary>
    /// Event references kept per result (default 10); the count and the times still cover every
    /// contributing event. Process-wide, like the field table: it is set once, before a run.
    /// </summary>
    public static int Limit
    {
        get => _limit;
        set => _limit = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the number of event references per result cannot be negative");
    }

    /// <summary>Events that contributed, kept or not.</summary>
    public long Count { get; private set; }

    /// <summary>The earliest event time among all contributing events (NaN when none had a time).</summary>
    public double FirstTime { get; private set; } = double.NaN;

    /// <summary>The latest event time among all contributing events (NaN when none had a time).</summary>
    public double LastTime { get; private set; } = double.NaN;

    /// <summary>The references kept, in the order their events came.</summary>
    public ReadOnlySpan<EventRef> Refs => _refs.AsSpan(0, _held);

    /// <summary>
    /// Adds what a row brings: its own evidence when it is a result of an earlier aggregation,
    /// else its event reference. A row with neither (an event from a store that keeps no
    /// references) is still counted with its time, so the count and the time span stay true.
    /// </summary>
    public void Add(Row row)
    {
        if (row.Evidence is { } e)
        {
            Merge(e);
        }
        else if (row.Ref.IsKnown)
        {
            Add(row.Ref);
        }
        else
        {
            Count++;
            var t = row.Time;
            Widen(t, t);
        }
    }

    public void Add(in EventRef r)
    {
        Count++;
        Widen(r.Time, r.Time);
        if (_held < _limit)
        {
            if (_held == _refs.Length)
            {
                // Most groups see one or two events: grow as needed rather than reserve the limit.
                Array.Resize(ref _refs, Math.Min(_limit, Math.Max(2, _refs.Length * 2)));
            }

            _refs[_held++] = r;
        }
    }

    /// <summary>Adds another result's evidence after this one's (its references come after those already kept).</summary>
    public void Merge(Evidence other)
    {
        if (ReferenceEquals(other, this) || !(_merged ??= new HashSet<Evidence>(ReferenceEqualityComparer.Instance)).Add(other))
        {
            return;
        }

        var count = Count + other.Count;
        foreach (var r in other.Refs)
        {
            if (_held >= _limit)
            {
                break;
            }

            Add(r);
        }

        Count = count;
        Widen(other.FirstTime, other.LastTime);
    }

    private void Widen(double first, double last)
    {
        if (!double.IsNaN(first) && (double.IsNaN(FirstTime) || first < FirstTime))
        {
            FirstTime = first;
        }

        if (!double.IsNaN(last) && (double.IsNaN(LastTime) || last > LastTime))
        {
            LastTime = last;
        }
    }

    /// <summary>
    /// Evidence aggregated elsewhere (by a database, for a stats it ran): the first references in
    /// input order (up to <see cref="Limit"/> are kept), and the count and time span of all events.
    /// </summary>
    public static Evidence FromSummary(IEnumerable<EventRef> refs, long count, double firstTime, double lastTime)
    {
        var e = new Evidence();
        foreach (var r in refs)
        {
            e.Add(r);
        }

        e.Count = count;
        e.FirstTime = firstTime;
        e.LastTime = lastTime;
        return e;
    }

    /// <summary>The evidence of a row: its own, or for an event its single reference; null when it has neither.</summary>
    public static Evidence? Of(Row row)
    {
        if (row.Evidence is { } e)
        {
            return e;
        }

        if (!row.Ref.IsKnown)
        {
            return null;
        }

        var single = new Evidence();
        single.Add(row.Ref);
        return single;
    }

    /// <summary>Writes the evidence for a spill file (see <see cref="Read"/>); null writes as no evidence.</summary>
    public static void Write(BinaryWriter w, Evidence? e)
    {
        if (e is null)
        {
            w.Write(-1);
            return;
        }

        w.Write(e._held);
        foreach (var r in e.Refs)
        {
            WriteRef(w, r);
        }

        w.Write(e.Count);
        w.Write(e.FirstTime);
        w.Write(e.LastTime);
    }

    public static Evidence? Read(BinaryReader r)
    {
        var held = r.ReadInt32();
        if (held < 0)
        {
            return null;
        }

        var e = new Evidence { _refs = new EventRef[held], _held = held };
        for (var i = 0; i < held; i++)
        {
            e._refs[i] = ReadRef(r);
        }

        e.Count = r.ReadInt64();
        e.FirstTime = r.ReadDouble();
        e.LastTime = r.ReadDouble();
        return e;
    }

    public static void WriteRef(BinaryWriter w, in EventRef r)
    {
        w.Write(r.Origin);
        w.Write(r.Record);
        w.Write(r.Time);
    }

    public static EventRef ReadRef(BinaryReader r) => new(r.ReadInt32(), r.ReadInt64(), r.ReadDouble());
}
