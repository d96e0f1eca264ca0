using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Detections.Running;

/// <summary>
/// Finds, in one scan of each field of a row, which of many detections' necessary literals
/// (<see cref="Escudo.Spl.Execution.NecessaryLiterals"/>) occur in it, and marks the detections
/// (feeds) that can therefore match. One Aho-Corasick automaton per field, compiled to a dense
/// table over the characters the literals use, case folded as OrdinalIgnoreCase folds
/// (upper-case invariant), so the scan costs one table step per character of the field.
/// </summary>
internal sealed class LiteralPrefilter
{
    private readonly ushort[] _classOf; // char → its upper-case letter's class; 0 for chars no literal has
    private readonly int _classes;
    private readonly FieldAutomaton[] _fields;

    private sealed class FieldAutomaton(int fieldId, int[] delta, int[][] outputs)
    {
        public int FieldId { get; } = fieldId;

        public int[] Delta { get; } = delta;

        public int[][] Outputs { get; } = outputs; // per state: the feeds whose literal ends there (empty for most)
    }

    /// <param name="literals">Per feed id: the (field, literal) alternatives of its condition.</param>
    public LiteralPrefilter(IReadOnlyList<(int FeedId, IReadOnlyList<(string Field, string Literal)> Alternatives)> literals)
    {
        var alphabet = new SortedSet<char>();
        foreach (var (_, alts) in literals)
        {
            foreach (var (_, lit) in alts)
            {
                foreach (var c in lit)
                {
                    alphabet.Add(char.ToUpperInvariant(c));
                }
            }
        }

        _classOf = new ushort[char.MaxValue + 1];
        var cls = 1;
        var classOfUpper = new Dictionary<char, ushort>();
        foreach (var c in alphabet)
        {
            classOfUpper[c] = (ushort)cls++;
        }

        _classes = cls;
        for (var c = 0; c <= char.MaxValue; c++)
        {
            _classOf[c] = classOfUpper.TryGetValue(char.ToUpperInvariant((char)c), out var k) ? k : (ushort)0;
        }

        _fields = [.. literals
            .SelectMany(x => x.Alternatives.Select(a => (a.Field, a.Literal, x.FeedId)))
            .GroupBy(x => x.Field, StringComparer.Ordinal)
            .Select(g => Build(FieldTable.Intern(g.Key), [.. g.Select(x => (x.Literal, x.FeedId))]))];
    }

    public int FieldCount => _fields.Length;

    /// <summary>The fields scanned and how many literals each automaton holds (for diagnostics).</summary>
    public IEnumerable<(string Field, int States)> Fields() => _fields.Select(f => (FieldTable.NameOf(f.FieldId), f.Outputs.Length));

    private FieldAutomaton Build(int fieldId, List<(string Literal, int FeedId)> words)
    {
        // Trie with sparse children first, then the dense goto/failure table breadth first.
        var children = new List<Dictionary<int, int>> { new() };
        var outs = new List<List<int>> { new() };
        foreach (var (lit, feed) in words)
        {
            var s = 0;
            foreach (var ch in lit)
            {
                var k = _classOf[ch];
                if (!children[s].TryGetValue(k, out var next))
                {
                    next = children.Count;
                    children.Add([]);
                    outs.Add([]);
                    children[s][k] = next;
                }

                s = next;
            }

            outs[s].Add(feed);
        }

        var n = children.Count;
        var delta = new int[n * _classes];
        var fail = new int[n];
        var queue = new Queue<int>();
        for (var k = 1; k < _classes; k++)
        {
            if (children[0].TryGetValue(k, out var t))
            {
                delta[k] = t;
                fail[t] = 0;
                queue.Enqueue(t);
            }
        }

        while (queue.Count > 0)
        {
            var s = queue.Dequeue();
            outs[s].AddRange(outs[fail[s]]);
            for (var k = 1; k < _classes; k++)
            {
                if (children[s].TryGetValue(k, out var t))
                {
                    delta[(s * _classes) + k] = t;
                    fail[t] = delta[(fail[s] * _classes) + k];
                    queue.Enqueue(t);
                }
                else
                {
                    delta[(s * _classes) + k] = delta[(fail[s] * _classes) + k];
                }
            }
        }

        return new FieldAutomaton(fieldId, delta, [.. outs.Select(o => o.Count == 0 ? [] : o.Distinct().ToArray())]);
    }

    /// <summary>Sets the bit of every feed with a literal found in the row.</summary>
    public void Mark(Row row, ulong[] marks)
    {
        foreach (var f in _fields)
        {
            var v = row.Get(f.FieldId);
            if (v.IsNull)
            {
                continue;
            }

            if (v.Kind == ValueKind.String)
            {
                Scan(f, v.RawString!, marks); // the common case, without the items array
                continue;
            }

            foreach (var item in v.Items)
            {
                Scan(f, item, marks);
            }
        }
    }

    private void Scan(FieldAutomaton f, string text, ulong[] marks)
    {
        var delta = f.Delta;
        var outputs = f.Outputs;
        var classOf = _classOf;
        var classes = _classes;
        var s = 0;
        foreach (var ch in text)
        {
            s = delta[(s * classes) + classOf[ch]];
            var o = outputs[s];
            for (var i = 0; i < o.Length; i++)
            {
                marks[o[i] >> 6] |= 1UL << (o[i] & 63);
            }
        }
    }
}
