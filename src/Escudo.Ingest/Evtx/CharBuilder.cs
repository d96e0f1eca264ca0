using System.Runtime.CompilerServices;

namespace Escudo.Ingest.Evtx;

/// <summary>
/// The text of the event being rendered: one growable char array. Rendering appends a few
/// characters at a time (names, short values) and cuts back what it has to drop, so appends are
/// inlined checks and copies rather than <see cref="System.Text.StringBuilder"/> calls, and values
/// are formatted straight into the array (<see cref="AppendSpan"/>).
/// </summary>
internal sealed class CharBuilder(int capacity)
{
    private char[] _chars = new char[capacity];
    private int _length;

    /// <summary>Characters written so far; setting it only cuts back (to a length it had before).</summary>
    public int Length
    {
        get => _length;
        set
        {
            if ((uint)value > (uint)_length)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "the text can only be cut back");
            }

            _length = value;
        }
    }

    public int Capacity => _chars.Length;

    public void Clear() => _length = 0;

    /// <summary>Starts again with an array of <paramref name="capacity"/> characters (so a huge event's array is not kept).</summary>
    public void Reset(int capacity)
    {
        _chars = new char[capacity];
        _length = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CharBuilder Append(char c)
    {
        var chars = _chars;
        var n = _length;
        if ((uint)n < (uint)chars.Length)
        {
            chars[n] = c;
            _length = n + 1;
        }
        else
        {
            Grow(1);
            _chars[_length++] = c;
        }

        return this;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CharBuilder Append(string s) => Append(s.AsSpan());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CharBuilder Append(scoped ReadOnlySpan<char> s)
    {
        if (s.Length > _chars.Length - _length)
        {
            Grow(s.Length);
        }

        s.CopyTo(_chars.AsSpan(_length));
        _length += s.Length;
        return this;
    }

    /// <summary>Reserves <paramref name="count"/> characters at the end for the caller to fill.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<char> AppendSpan(int count)
    {
        if (count > _chars.Length - _length)
        {
            Grow(count);
        }

        var span = _chars.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public bool Equals(ReadOnlySpan<char> other) => _chars.AsSpan(0, _length).SequenceEqual(other);

    public override string ToString() => new(_chars, 0, _length);

    public string ToString(int start, int length) => new(_chars.AsSpan(0, _length).Slice(start, length));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int more)
    {
        var size = Math.Max((long)_chars.Length * 2, (long)_length + more);
        if (size > Array.MaxLength)
        {
            size = Math.Max(Array.MaxLength, _length + more); // past this the allocation itself fails
        }

        Array.Resize(ref _chars, (int)size);
    }
}
