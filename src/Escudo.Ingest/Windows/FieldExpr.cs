using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Ingest.Windows;

/// <summary>Small building blocks for field rules, named after the add-on expressions they stand for.</summary>
internal static class FieldExpr
{
    /// <summary>FIELDALIAS: the raw field under another name.</summary>
    public static Func<Row, Value> Alias(string raw)
    {
        var id = FieldTable.Intern(raw);
        return r => r.Get(id);
    }

    public static Func<Row, Value> Const(string value)
    {
        var v = Value.FromString(value);
        return _ => v;
    }

    /// <summary>The file name part of a path: <c>replace(x, "(.*\\)", "")</c>.</summary>
    public static Func<Row, Value> FileName(string raw)
    {
        var id = FieldTable.Intern(raw);
        return r =>
        {
            var s = r.Get(id).FirstString();
            if (s is null)
            {
                return Value.Null;
            }

            var i = s.LastIndexOf('\\');
            return Value.FromString(i >= 0 ? s[(i + 1)..] : s);
        };
    }

    /// <summary>The folder part of a path (up to and including the last backslash).</summary>
    public static Func<Row, Value> Directory(string raw)
    {
        var id = FieldTable.Intern(raw);
        return r =>
        {
            var s = r.Get(id).FirstString();
            if (s is null)
            {
                return Value.Null;
            }

            var i = s.LastIndexOf('\\');
            return i >= 0 ? Value.FromString(s[..(i + 1)]) : Value.Null;
        };
    }

    /// <summary><c>(?:[^\\]+\\)?(.+)</c>: a user name with its DOMAIN\ prefix removed.</summary>
    public static Func<Row, Value> UserWithoutDomain(string raw)
    {
        var id = FieldTable.Intern(raw);
        return r =>
        {
            var s = r.Get(id).FirstString();
            if (string.IsNullOrEmpty(s))
            {
                return Value.Null;
            }

            var i = s.IndexOf('\\');
            return Value.FromString(i >= 0 && i + 1 < s.Length ? s[(i + 1)..] : s);
        };
    }

    /// <summary>A value unless it is empty or "-", as the Windows add-on treats placeholders.</summary>
    public static Func<Row, Value> Present(string raw)
    {
        var id = FieldTable.Intern(raw);
        return r =>
        {
            var v = r.Get(id);
            var s = v.FirstString();
            return string.IsNullOrEmpty(s) || s == "-" ? Value.Null : v;
        };
    }

    public static Func<Row, Value> Coalesce(params Func<Row, Value>[] options) => r =>
    {
        foreach (var o in options)
        {
            var v = o(r);
            if (!v.IsNull)
            {
                return v;
            }
        }

        return Value.Null;
    };

    /// <summary>A constant when the raw field equals one of the given values (case-insensitive).</summary>
    public static Func<Row, Value> When(string raw, string equals, string then)
    {
        var id = FieldTable.Intern(raw);
        var result = Value.FromString(then);
        return r => string.Equals(r.Get(id).FirstString(), equals, StringComparison.OrdinalIgnoreCase) ? result : Value.Null;
    }

    /// <summary>Maps a raw value through a table (a lookup file, in the add-on).</summary>
    public static Func<Row, Value> Lookup(string raw, IReadOnlyDictionary<string, string> table)
    {
        var id = FieldTable.Intern(raw);
        return r => r.Get(id).FirstString() is { } s && table.TryGetValue(s, out var v) ? Value.FromString(v) : Value.Null;
    }

    /// <summary>One hash out of Sysmon's <c>Hashes</c> (<c>MD5=...,SHA256=...</c>).</summary>
    public static Func<Row, Value> Hash(string raw, string algorithm)
    {
        var id = FieldTable.Intern(raw);
        var prefix = algorithm + "=";
        return r =>
        {
            var s = r.Get(id).FirstString();
            if (s is null)
            {
                return Value.Null;
            }

            foreach (var part in s.Split(','))
            {
                if (part.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    return Value.FromString(part[prefix.Length..]);
                }
            }

            return Value.Null;
        };
    }

    public static Func<Row, Value> Custom(Func<Row, Value> f) => f;
}
