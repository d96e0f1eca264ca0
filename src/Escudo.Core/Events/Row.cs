using System.Runtime.CompilerServices;
using Escudo.Core.Values;

namespace Escudo.Core.Events;

/// <summary>
/// One event or one result row: an ordered set of fields keyed by interned id. Field order is
/// insertion order, which is the order Splunk shows for results that no command reordered.
/// Rows are small (tens of fields), so a linear scan over an int array beats hashing.
/// </summary>
public sealed class Row
{
    private int[] _ids;
    private Value[] _values;
    private int _count;

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

    public int Count => _count;

    public int IdAt(int i) => _ids[i];

    public Value ValueAt(int i) => _values[i];

    public string NameAt(int i) => FieldTable.NameOf(_ids[i]);

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(int id)
    {
        if (!MayContain(id))
        {
            return -1;
        }

        var ids = _ids;
        var n = _count;
        for (var i = 0; i < n; i++)
        {
            if (ids[i] == id)
            {
                return i;
            }
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Value Get(int id)
    {
        var i = IndexOf(id);
        return i < 0 ? Value.Null : _values[i];
    }

    public Value Get(string name) => FieldTable.TryGet(name, out var id) ? Get(id) : Value.Null;

    public bool Has(int id) => IndexOf(id) >= 0; // nulls are never stored

    /// <summary>Sets a field; setting null removes it, as eval does in Splunk.</summary>
    public void Set(int id, Value value)
    {
        var i = IndexOf(id);
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

    public void Set(string name, Value value) => Set(FieldTable.Intern(name), value);

    public void Set(string name, string? value) => Set(FieldTable.Intern(name), Value.FromString(value));

    /// <summary>Sets a field only when it is not already present (the add-ons' "first extraction wins").</summary>
    public void SetIfAbsent(int id, Value value)
    {
        if (value.IsNull || IndexOf(id) >= 0)
        {
            return;
        }

        Append(id, value);
    }

    /// <summary>Adds without checking for an existing field; the caller guarantees the id is new.</summary>
    public void Append(int id, Value value)
    {
        if (_count == _ids.Length)
        {
            Array.Resize(ref _ids, _ids.Length * 2);
            Array.Resize(ref _values, _values.Length * 2);
        }

        _ids[_count] = id;
        _values[_count] = value;
        _count++;
        Mark(id);
    }

    public void Remove(int id)
    {
        var i = IndexOf(id);
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
        var i = IndexOf(fromId);
        if (i < 0 || fromId == toId)
        {
            return;
        }

        var j = IndexOf(toId);
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
        var copy = new Row(_count + 4);
        Array.Copy(_ids, copy._ids, _count);
        Array.Copy(_values, copy._values, _count);
        copy._count = _count;
        copy._bloom0 = _bloom0;
        copy._bloom1 = _bloom1;
        copy._bloom2 = _bloom2;
        copy._bloom3 = _bloom3;
        return copy;
    }

    public void Clear()
    {
        Array.Clear(_values, 0, _count);
        _count = 0;
        _bloom0 = _bloom1 = _bloom2 = _bloom3 = 0;
    }

    /// <summary>Keeps only the fields for which <paramref name="keep"/> returns true, preserving order.</summary>
    public void RemoveWhere(Func<int, bool> remove)
    {
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
        var pos = 0;
        foreach (var id in order)
        {
            var i = IndexOf(id);
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
        var parts = new string[_count];
        for (var i = 0; i < _count; i++)
        {
            parts[i] = $"{NameAt(i)}={_values[i].ToDisplayString()}";
        }

        return string.Join(' ', parts);
    }
}
