using System.Collections.Concurrent;

namespace Escudo.Core.Events;

/// <summary>
/// Interns field names to small integers so rows can store and find fields without hashing
/// strings on every access. Ids are process-wide and stable for the life of the process.
/// </summary>
public static class FieldTable
{
    private static readonly ConcurrentDictionary<string, int> Ids = new(StringComparer.Ordinal);
    private static string[] _names = new string[256];
    private static int _count;
    private static readonly Lock Gate = new();

    public static int Intern(string name)
    {
        if (Ids.TryGetValue(name, out var id))
        {
            return id;
        }

        lock (Gate)
        {
            if (Ids.TryGetValue(name, out id))
            {
                return id;
            }

            id = _count;
            if (id == _names.Length)
            {
                Array.Resize(ref _names, _names.Length * 2);
            }

            _names[id] = name;
            _count = id + 1;
            Ids[name] = id;
            return id;
        }
    }

    /// <summary>Interns a name given as characters; allocates a string only the first time it is seen.</summary>
    public static int Intern(ReadOnlySpan<char> name)
    {
        var lookup = Ids.GetAlternateLookup<ReadOnlySpan<char>>();
        return lookup.TryGetValue(name, out var id) ? id : Intern(name.ToString());
    }

    public static string NameOf(int id) => Volatile.Read(ref _names)[id];

    public static bool TryGet(string name, out int id) => Ids.TryGetValue(name, out id);

    /// <summary>How many distinct names are interned: the table never shrinks, so a service bounds what untrusted input may add.</summary>
    public static int Count => Volatile.Read(ref _count);

    // Well-known fields, interned first so their ids are fixed and cheap to reference.
    public static readonly int Time = Intern("_time");
    public static readonly int Raw = Intern("_raw");
    public static readonly int Host = Intern("host");
    public static readonly int Source = Intern("source");
    public static readonly int SourceType = Intern("sourcetype");
    public static readonly int Index = Intern("index");
}
