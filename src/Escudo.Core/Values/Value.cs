using System.Globalization;
using System.Runtime.CompilerServices;

namespace Escudo.Core.Values;

/// <summary>
/// One field value as Splunk sees it: null, a string, a number, a boolean (only inside eval),
/// or a multivalue (an ordered list of strings). Values read from events are strings; numbers
/// appear from eval and aggregations. A string that looks like a number compares and computes
/// as a number, which is how Splunk treats untyped field values.
/// </summary>
public readonly struct Value : IEquatable<Value>
{
    private readonly object? _ref;   // string for String, string[] for Multi
    private readonly double _number; // Number, or 1/0 for Boolean

    public ValueKind Kind { get; }

    private Value(ValueKind kind, object? reference, double number)
    {
        Kind = kind;
        _ref = reference;
        _number = number;
    }

    public static readonly Value Null;
    public static readonly Value True = new(ValueKind.Boolean, null, 1);
    public static readonly Value False = new(ValueKind.Boolean, null, 0);
    public static readonly Value EmptyString = new(ValueKind.String, string.Empty, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Value FromString(string? s) => s is null ? Null : new Value(ValueKind.String, s, 0);

    public static Value FromNumber(double d) => double.IsNaN(d) ? Null : new Value(ValueKind.Number, null, d);

    public static Value FromBoolean(bool b) => b ? True : False;

    /// <summary>A multivalue; zero items is null and one item is a plain string, as in Splunk.</summary>
    public static Value FromMulti(IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            return Null;
        }

        if (items.Count == 1)
        {
            return FromString(items[0]);
        }

        var copy = new string[items.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = items[i];
        }

        return new Value(ValueKind.Multi, copy, 0);
    }

    /// <summary>Wraps an array the caller gives up; no copy is made.</summary>
    public static Value FromMultiOwned(string[] items) => items.Length switch
    {
        0 => Null,
        1 => FromString(items[0]),
        _ => new Value(ValueKind.Multi, items, 0),
    };

    public bool IsNull => Kind == ValueKind.Null;
    public bool IsMulti => Kind == ValueKind.Multi;
    public bool IsNumber => Kind == ValueKind.Number;
    public bool IsString => Kind == ValueKind.String;
    public bool IsBoolean => Kind == ValueKind.Boolean;

    /// <summary>The raw string of a String value, else null.</summary>
    public string? RawString => Kind == ValueKind.String ? (string)_ref! : null;

    public double RawNumber => _number;

    public bool RawBoolean => _number != 0;

    /// <summary>Number of values: 0 for null, n for a multivalue, else 1.</summary>
    public int Count => Kind switch
    {
        ValueKind.Null => 0,
        ValueKind.Multi => ((string[])_ref!).Length,
        _ => 1,
    };

    /// <summary>The items of a multivalue, or the single display string, or nothing for null.</summary>
    public ReadOnlySpan<string> Items => Kind switch
    {
        ValueKind.Null => ReadOnlySpan<string>.Empty,
        ValueKind.Multi => (string[])_ref!,
        _ => new[] { ToDisplayString() },
    };

    /// <summary>Visits every item without allocating for the single-value case.</summary>
    public void ForEachItem<TState>(ref TState state, ItemVisitor<TState> visit)
    {
        switch (Kind)
        {
            case ValueKind.Null:
                return;
            case ValueKind.Multi:
                foreach (var s in (string[])_ref!)
                {
                    if (!visit(ref state, s))
                    {
                        return;
                    }
                }

                return;
            default:
                visit(ref state, ToDisplayString());
                return;
        }
    }

    public delegate bool ItemVisitor<TState>(ref TState state, string item);

    /// <summary>
    /// The value as Splunk displays it: strings as they are, numbers in their shortest form
    /// (integers without a decimal point), booleans as true/false, multivalues joined by newline.
    /// </summary>
    public string ToDisplayString() => Kind switch
    {
        ValueKind.Null => string.Empty,
        ValueKind.String => (string)_ref!,
        ValueKind.Number => FormatNumber(_number),
        ValueKind.Boolean => _number != 0 ? "true" : "false",
        ValueKind.Multi => string.Join('\n', (string[])_ref!),
        _ => string.Empty,
    };

    /// <summary>The first item as a string (Splunk uses the first value of a multivalue in scalar contexts).</summary>
    public string? FirstString() => Kind switch
    {
        ValueKind.Null => null,
        ValueKind.Multi => ((string[])_ref!)[0],
        _ => ToDisplayString(),
    };

    /// <summary>Writes what <see cref="FormatNumber(double)"/> returns into a buffer of at least 32 characters, without allocating; returns the length.</summary>
    public static int FormatNumber(double d, Span<char> destination)
    {
        if (double.IsInfinity(d))
        {
            var text = d > 0 ? "inf" : "-inf";
            text.CopyTo(destination);
            return text.Length;
        }

        int written;
        var ok = d == Math.Floor(d) && Math.Abs(d) < 1e17
            ? ((long)d).TryFormat(destination, out written, default, CultureInfo.InvariantCulture)
            : d.TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
        return ok ? written : throw new ArgumentException("the buffer is too small for a number", nameof(destination));
    }

    public static string FormatNumber(double d)
    {
        if (double.IsPositiveInfinity(d))
        {
            return "inf";
        }

        if (double.IsNegativeInfinity(d))
        {
            return "-inf";
        }

        if (d == Math.Floor(d) && Math.Abs(d) < 1e17)
        {
            return ((long)d).ToString(CultureInfo.InvariantCulture);
        }

        return d.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Tries to read the value as a number, the way Splunk coerces untyped strings.</summary>
    public bool TryGetNumber(out double number)
    {
        switch (Kind)
        {
            case ValueKind.Number:
                number = _number;
                return true;
            case ValueKind.String:
                return TryParseNumber((string)_ref!, out number);
            case ValueKind.Multi:
                return TryParseNumber(((string[])_ref!)[0], out number);
            case ValueKind.Boolean:
                number = _number;
                return false;
            default:
                number = 0;
                return false;
        }
    }

    /// <summary>Splunk's notion of a numeric string: optional sign, digits, optional fraction/exponent, surrounding spaces allowed; hex 0x.. also.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> s, out double number)
    {
        s = s.Trim();
        if (s.IsEmpty)
        {
            number = 0;
            return false;
        }

        var c = s[0];
        if (!(char.IsAsciiDigit(c) || c == '-' || c == '+' || c == '.'))
        {
            number = 0;
            return false;
        }

        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        {
            if (long.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                number = hex;
                return true;
            }

            number = 0;
            return false;
        }

        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out number)
            && !double.IsInfinity(number);
    }

    public bool Equals(Value other)
    {
        if (Kind != other.Kind)
        {
            return false;
        }

        return Kind switch
        {
            ValueKind.Null => true,
            ValueKind.String => string.Equals((string)_ref!, (string)other._ref!, StringComparison.Ordinal),
            ValueKind.Number or ValueKind.Boolean => _number.Equals(other._number),
            ValueKind.Multi => ((string[])_ref!).AsSpan().SequenceEqual((string[])other._ref!),
            _ => false,
        };
    }

    public override bool Equals(object? obj) => obj is Value v && Equals(v);

    public override int GetHashCode() => Kind switch
    {
        ValueKind.Null => 0,
        ValueKind.String => ((string)_ref!).GetHashCode(StringComparison.Ordinal),
        ValueKind.Multi => ((string[])_ref!).Length,
        _ => _number.GetHashCode(),
    };

    public static bool operator ==(Value left, Value right) => left.Equals(right);

    public static bool operator !=(Value left, Value right) => !left.Equals(right);

    public override string ToString() => Kind == ValueKind.Null ? "<null>" : ToDisplayString();
}
