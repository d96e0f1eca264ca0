using System.Runtime.CompilerServices;
using Escudo.Core.Values;

namespace Escudo.Core.Events;

/// <summary>
/// One event or one result row: an ordered set of fields keyed by interned id. Field order is
/// insertion order, which is the order Splunk shows for results that no command reordered.
/// Rows are small (tens of fields), so a linear scan over an int array beats hashing.
/// </summary>
/// <remarks>
/// A row made by <see cref="CopyOnWrite"/> is an overlay: it reads through to a shared base row
/// and holds only what was changed, so an eval over shared events costs its own fields rather
/// than a copy of every event. The overlay keeps the fields it added (in order, after the base's
/// fields) in <c>_ids</c>/<c>_values</c>, and new values for base fields (which keep their place)
/// in <see cref="Overlay"/>; anything it cannot express (removing or renaming a base field,
/// reordering) first turns it into a plain row with its own copy.
/// </remarks>
public sealed class Row
{
    private int[] _ids;
    private Value[] _values;
    private int _count;

    // Overlay state (see remarks), null for a plain row: one reference, so plain rows (every
    // stored event) pay 8 bytes for it.
    private Overlay? _overlay;

    private sealed class Overlay(Row shared)
    {
        public readonly Row Base = shared;
        public int[]? Ids;
        public Value[]? Values;
        public int Count;
    }

    // A 256-bit Bloom filter of the ids present: a field that is not there (the common case for
    // add-on rules and search predicates) is answered without scanning the id array. Bits are never
    // cleared on removal, which only costs a scan.
    private ulong _bloom0;
    private ulong _bloom1;
    private ulong _bloom2;
    private ulong _bloom3;

    public Row(int capacity = 16)
    {
        _ids = new int[Math.Max(capacity, 4)];
        _values = new Value[_ids.Length];
    }

    public int Count => _overlay is null ? _count : _overlay.Base._count + _count;

    /// <summary>Where this event came from (set by the reader); unknown for results and made rows.</summary>
    public EventRef Ref { get; set; }

    /// <summary>The events behind this row when it is the result of an aggregation (stats, tstats, transaction, join); null for an event.</summary>
    public Evidence? Evidence { get; set; }

    /// <summary>Takes another row's provenance (for a row made from it, field by field).</summary>
    public void CopyProvenance(Row from)
    {
        Ref = from.Ref;
        Evidence = from.Evidence;
    }

    /// <summary>Adds another row's events to this row's evidence (for a row that now stands for both, as a join or a transaction makes).</summary>
    public void AddEvidence(Row from)
    {
        if (Evidence.Of(from) is not { } theirs)
        {
            return;
        }

        // A new object: evidence may be shared with the rows this one was copied from.
        var both = new Evidence();
        if (Evidence.Of(this) is { } mine)
        {
            both.Merge(mine);
        }

        both.Merge(theirs);
        Evidence = both;
    }

    public int IdAt(int i)
    {
        if (_overlay?.Base is not { } b)
        {
            return _ids[i];
        }

        return i < b._count ? b._ids[i] : _ids[i - b._count];
    }

    public Value ValueAt(int i)
    {
        if (_overlay?.Base is not { } b)
        {
            return _values[i];
        }

        if (i >= b._count)
        {
            return _values[i - b._count];
        }

        var o = OverrideIndex(b._ids[i]);
        return o >= 0 ? _overlay!.Values![o] : b._values[i];
    }

    public string NameAt(int i) => FieldTable.NameOf(IdAt(i));

    /// <summary>True while this row reads through to a shared base (see <see cref="CopyOnWrite"/>).</summary>
    public bool IsOverlay => _overlay is not null;

    /// <summary>
    /// A copy for a search to change, made cheaply: it shares this row's fields and holds only what
    /// is set on it later. This row must not change while the copy is in use, which holds for the
    /// store's events and data model rows (shared by every search, never modified).
    /// </summary>
    public Row CopyOnWrite()
    {
        if (_overlay is not null)
        {
            return Clone(); // an overlay over an overlay would see its base change
        }

        return new Row(this);
    }

    private Row(Row shared)
    {
        _overlay = new Overlay(shared);
        _ids = [];
        _values = [];
        Ref = shared.Ref;
        Evidence = shared.Evidence;
    }

    private int OverrideIndex(int id)
    {
        var o = _overlay!;
        for (var k = 0; k < o.Count; k++)
        {
            if (o.Ids![k] == id)
            {
                return k;
            }
        }

        return -1;
    }

    /// <summary>Turns an overlay into a plain row with its own arrays, keeping the field order and values.</summary>
    private void Materialize()
    {
        if (_overlay?.Base is not { } b)
        {
            return;
        }

        var addedIds = _ids;
        var addedValues = _values;
        var added = _count;
        var n = b._count + added;
        var ids = new int[Math.Max(n + 4, 4)];
        var values = new Value[ids.Length];
        Array.Copy(b._ids, ids, b._count);
        Array.Copy(b._values, values, b._count);
        var overlay = _overlay!;
        for (var k = 0; k < overlay.Count; k++)
        {
            values[Array.IndexOf(b._ids, overlay.Ids![k], 0, b._count)] = overlay.Values![k];
        }

        Array.Copy(addedIds, 0, ids, b._count, added);
        Array.Copy(addedValues, 0, values, b._count, added);
        _ids = ids;
        _values = values;
        _count = n;
        _bloom0 |= b._bloom0;
        _bloom1 |= b._bloom1;
        _bloom2 |= b._bloom2;
        _bloom3 |= b._bloom3;
        _overlay = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Mark(int id)
    {
        var bit = 1UL << (id & 63);
        switch ((id >> 6) & 3)
        {
            case 0: _bloom0 |= bit; break;
            case 1: _bloom1 |= bit; break;
            case 2: _bloom2 |= bit; break;
            default: _bloom3 |= bit; break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MayContain(int id)
    {
        var word = ((id >> 6) & 3) switch
        {
            0 => _bloom0,
            1 => _bloom1,
            2 => _bloom2,
            _ => _bloom3,
        };
        return (word & (1UL << (id & 63))) != 0;
    }

    /// <summary>The position of a field in <see cref="IdAt"/>/<see cref="ValueAt"/> order, or -1.</summary>
    public int IndexOf(int id)
    {
        if (_overlay?.Base is not { } b)
        {
            return Find(id);
        }

        var i = b.Find(id);
        if (i >= 0)
        {
            return i;
        }

        i = Find(id);
        return i < 0 ? -1 : b._count + i;
    }

    // The position of a field in this row's own arrays (for an overlay, among the fields it added).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(int id)
    {
        if (!MayContain(id))
        {
            return -1;
        }

        // Events hold tens of fields: a vectorized search compares 8 or 16 ids at a time.
        return new ReadOnlySpan<int>(_ids, 0, _count).IndexOf(id);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Value Get(int id)
    {
        if (_overlay is not null)
        {
            return GetOverlay(id);
        }

        var i = Find(id);
        return i < 0 ? Value.Null : _values[i];
    }

    private Value GetOverlay(int id)
    {
        var i = Find(id);
        if (i >= 0)
        {
            return _values[i];
        }

        var overlay = _overlay!;
        if (overlay.Count > 0 && OverrideIndex(id) is var o and >= 0)
        {
            return overlay.Values![o];
        }

        return overlay.Base.Get(id);
    }

    public Value Get(string name) => FieldTable.TryGet(name, out var id) ? Get(id) : Value.Null;

    public bool Has(int id) => _overlay is null ? Find(id) >= 0 : !GetOverlay(id).IsNull; // nulls are never stored

    /// <summary>Sets a field; setting null removes it, as eval does in Splunk.</summary>
    public void Set(int id, Value value)
    {
        if (_overlay is not null && SetOverlay(id, value))
        {
            return;
        }

        var i = Find(id);
        if (value.IsNull)
        {
            if (i >= 0)
            {
                RemoveAt(i);
            }

            return;
        }

        if (i >= 0)
        {
            _values[i] = value;
            return;
        }

        Append(id, value);
    }

    // Sets a field on an overlay when it can stay one; false when it was made plain and the caller goes on.
    private bool SetOverlay(int id, Value value)
    {
        var i = Find(id);
        if (i >= 0)
        {
            if (value.IsNull)
            {
                RemoveAt(i);
            }
            else
            {
                _values[i] = value;
            }

            return true;
        }

        if (_overlay!.Base.Find(id) < 0)
        {
            if (!value.IsNull)
            {
                Append(id, value);
            }

            return true;
        }

        if (value.IsNull)
        {
            Materialize(); // removing a base field
            return false;
        }

        var overlay = _overlay!;
        var o = OverrideIndex(id);
        if (o < 0)
        {
            if (overlay.Ids is null || overlay.Count == overlay.Ids.Length)
            {
                Array.Resize(ref overlay.Ids, Math.Max(4, overlay.Count * 2));
                Array.Resize(ref overlay.Values, overlay.Ids.Length);
            }

            o = overlay.Count++;
            overlay.Ids[o] = id;
        }

        overlay.Values![o] = value;
        return true;
    }

    public void Set(string name, Value value) => Set(FieldTable.Intern(name), value);

    public void Set(string name, string? value) => Set(FieldTable.Intern(name), Value.FromString(value));

    /// <summary>Sets a field only when it is not already present (the add-ons' "first extraction wins").</summary>
    public void SetIfAbsent(int id, Value value)
    {
        if (value.IsNull || Has(id))
        {
            return;
        }

        Append(id, value);
    }

    /// <summary>Adds without checking for an existing field; the caller guarantees the id is new.</summary>
    public void Append(int id, Value value)
    {
        if (_overlay is not null && _overlay.Base.Find(id) >= 0)
        {
            Materialize(); // not new after all; keep the row right rather than trust the caller
        }

        if (_count == _ids.Length)
        {
            // A copy-on-write row starts with no room: its first 8 written fields take one allocation, not two.
            Array.Resize(ref _ids, Math.Max(8, _ids.Length * 2));
            Array.Resize(ref _values, _ids.Length);
        }

        _ids[_count] = id;
        _values[_count] = value;
        _count++;
        Mark(id);
    }

    public void Remove(int id)
    {
        if (_overlay is not null)
        {
            Set(id, Value.Null);
            return;
        }

        var i = Find(id);
        if (i >= 0)
        {
            RemoveAt(i);
        }
    }

    private void RemoveAt(int i)
    {
        _count--;
        if (i < _count)
        {
            Array.Copy(_ids, i + 1, _ids, i, _count - i);
            Array.Copy(_values, i + 1, _values, i, _count - i);
        }

        _values[_count] = default;
    }

    /// <summary>Renames a field in place, keeping its position; an existing target is replaced.</summary>
    public void Rename(int fromId, int toId)
    {
        if (fromId == toId || !Has(fromId))
        {
            return;
        }

        Materialize();
        var i = Find(fromId);
        var j = Find(toId);
        if (j >= 0)
        {
            RemoveAt(j);
            if (j < i)
            {
                i--;
            }
        }

        _ids[i] = toId;
        Mark(toId);
    }

    public Row Clone()
    {
        if (_overlay is not null)
        {
            var full = new Row(Count + 4);
            for (var i = 0; i < Count; i++)
            {
                full.Append(IdAt(i), ValueAt(i));
            }

            full.CopyProvenance(this);
            return full;
        }

        var copy = new Row(_count + 4);
        Array.Copy(_ids, copy._ids, _count);
        Array.Copy(_values, copy._values, _count);
        copy._count = _count;
        copy._bloom0 = _bloom0;
        copy._bloom1 = _bloom1;
        copy._bloom2 = _bloom2;
        copy._bloom3 = _bloom3;
        copy.CopyProvenance(this);
        return copy;
    }

    public void Clear()
    {
        if (_overlay is not null)
        {
            _overlay = null;
            if (_ids.Length == 0)
            {
                _ids = new int[4];
                _values = new Value[4];
            }
        }

        Array.Clear(_values, 0, _count);
        _count = 0;
        _bloom0 = _bloom1 = _bloom2 = _bloom3 = 0;
        Ref = default;
        Evidence = null;
    }

    /// <summary>Keeps only the fields for which <paramref name="keep"/> returns true, preserving order.</summary>
    public void RemoveWhere(Func<int, bool> remove)
    {
        Materialize();
        var w = 0;
        for (var r = 0; r < _count; r++)
        {
            if (remove(_ids[r]))
            {
                continue;
            }

            _ids[w] = _ids[r];
            _values[w] = _values[r];
            w++;
        }

        for (var k = w; k < _count; k++)
        {
            _values[k] = default;
        }

        _count = w;
    }

    /// <summary>Reorders fields so that the given ids come first in the given order.</summary>
    public void MoveToFront(IReadOnlyList<int> order)
    {
        Materialize();
        var pos = 0;
        foreach (var id in order)
        {
            var i = Find(id);
            if (i < 0)
            {
                continue;
            }

            if (i != pos)
            {
                var v = _values[i];
                Array.Copy(_ids, pos, _ids, pos + 1, i - pos);
                Array.Copy(_values, pos, _values, pos + 1, i - pos);
                _ids[pos] = id;
                _values[pos] = v;
            }

            pos++;
        }
    }

    /// <summary>The event time in epoch seconds, or NaN when the row has none.</summary>
    public double Time => Get(FieldTable.Time).TryGetNumber(out var t) ? t : double.NaN;

    public override string ToString()
    {
        var parts = new string[Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = $"{NameAt(i)}={ValueAt(i).ToDisplayString()}";
        }

        return string.Join(' ', parts);
    }
}
