using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        var n = s.Length;
        if (n > _chars.Length - _length)
        {
            Grow(n);
        }

        // Most appends are names and short values: 4 to 16 characters are copied here with two
        // overlapping moves (both inside the source and the reserved space) instead of a call.
        ref var dst = ref Unsafe.As<char, byte>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_chars), _length));
        ref var src = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(s));
        if ((uint)(n - 8) <= 8)
        {
            var head = Unsafe.ReadUnaligned<Vector128<byte>>(ref src);
            var tail = Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref src, (n - 8) * 2));
            Unsafe.WriteUnaligned(ref dst, head);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, (n - 8) * 2), tail);
        }
        else if ((uint)(n - 4) <= 3)
        {
            var head = Unsafe.ReadUnaligned<ulong>(ref src);
            var tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, (n - 4) * 2));
            Unsafe.WriteUnaligned(ref dst, head);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, (n - 4) * 2), tail);
        }
        else
        {
            s.CopyTo(_chars.AsSpan(_length));
        }

        _length += n;
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
