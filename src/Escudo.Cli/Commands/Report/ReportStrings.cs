using System.Text.Json;

namespace Escudo.Cli.Commands.Report;

/// <summary>
/// A string table: each distinct string is written once and the report's columns refer to it by
/// index (-1 for none), so a host, user or value that 10,000 hits share costs 10,000 small numbers.
/// </summary>
internal sealed class ReportStrings
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _list = [];

    public int Of(string? s)
    {
        if (s is null)
        {
            return -1;
        }

        if (!_index.TryGetValue(s, out var i))
        {
            i = _list.Count;
            _index[s] = i;
            _list.Add(s);
        }

        return i;
    }

    public void Write(Utf8JsonWriter w, string name)
    {
        w.WriteStartArray(name);
        foreach (var s in _list)
        {
            w.WriteStringValue(s);
            if (w.BytesPending > 1 << 16)
            {
                w.Flush();
            }
        }

        w.WriteEndArray();
    }
}
