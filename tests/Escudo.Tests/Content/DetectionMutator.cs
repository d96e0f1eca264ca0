using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Escudo.Tests.Content;

/// <summary>
/// Seeded mutations of a detection YAML file, as a hostile or careless author could write it: bytes
/// flipped, the file cut short, keys deleted or duplicated, values of the wrong shape, and the SPL
/// of its <c>search</c> damaged (unbalanced quotes, brackets and backticks, huge numbers, nesting,
/// unknown macros). The same seed gives the same mutants, so a failure can be replayed.
/// </summary>
internal sealed partial class DetectionMutator(int seed)
{
    /// <summary>Nesting stays below the SPL parser's recursion limits being fixed elsewhere (issue 14, deep nesting).</summary>
    public const int MaxNesting = 150;

    private readonly Random _random = new(seed);

    /// <summary>One to three mutations of <paramref name="yaml"/>; the bytes to write and what was done.</summary>
    public (byte[] Bytes, string Description) Mutate(string yaml)
    {
        var steps = new List<string>();
        var count = _random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            var kind = _random.Next(12);
            string step;
            (yaml, step) = kind switch
            {
                0 => TruncateText(yaml),
                1 => DeleteKey(yaml),
                2 => DuplicateKey(yaml),
                3 => WrongShape(yaml),
                _ => MutateSearch(yaml),
            };
            steps.Add(step);
        }

        // Byte-level damage last, so it is not undone by a text edit: flips may make invalid UTF-8.
        var bytes = Encoding.UTF8.GetBytes(yaml);
        if (_random.Next(4) == 0)
        {
            var flips = _random.Next(1, 6);
            for (var i = 0; i < flips && bytes.Length > 0; i++)
            {
                bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
            }

            steps.Add($"flip {flips} bits");
        }

        return (bytes, string.Join("; ", steps));
    }

    private (string, string) TruncateText(string yaml)
    {
        var at = _random.Next(yaml.Length + 1);
        return (yaml[..at], $"truncate at {at}");
    }

    private (string, string) DeleteKey(string yaml)
    {
        var blocks = TopLevelBlocks(yaml);
        if (blocks.Count == 0)
        {
            return (yaml, "delete key (none)");
        }

        var (start, length, key) = blocks[_random.Next(blocks.Count)];
        return (yaml.Remove(start, length), $"delete `{key}`");
    }

    private (string, string) DuplicateKey(string yaml)
    {
        var blocks = TopLevelBlocks(yaml);
        if (blocks.Count == 0)
        {
            return (yaml, "duplicate key (none)");
        }

        var (start, length, key) = blocks[_random.Next(blocks.Count)];
        var copy = yaml.Substring(start, length);
        if (!copy.EndsWith('\n'))
        {
            copy += "\n";
        }

        return (yaml + (yaml.EndsWith('\n') ? string.Empty : "\n") + copy, $"duplicate `{key}`");
    }

    private (string, string) WrongShape(string yaml)
    {
        string[] keys = ["name", "id", "search", "type", "status", "tags", "tests", "version", "data_source", "rba", "drilldown_searches"];
        string[] values = ["", "~", "[a, b]", "{x: 1}", "99999999999999999999999", "-1", "[~]", "[[[[[[1]]]]]]", "'\u0000'", "[{name: ~}]", "!!binary AAAA", "&a x", "*nope"];
        var key = keys[_random.Next(keys.Length)];
        var value = values[_random.Next(values.Length)];
        var block = TopLevelBlocks(yaml).FirstOrDefault(b => b.Key == key);
        var line = $"{key}: {value}\n";
        var mutated = block.Length > 0 ? yaml.Remove(block.Start, block.Length).Insert(block.Start, line) : yaml + (yaml.EndsWith('\n') ? string.Empty : "\n") + line;
        return (mutated, $"`{key}` = {value}");
    }

    private (string, string) MutateSearch(string yaml)
    {
        // ESCU writes the search as one single-quoted scalar: `search: '...'`, quotes doubled inside.
        var m = SearchLine().Match(yaml);
        if (!m.Success)
        {
            return (yaml, "mutate search (none)");
        }

        var spl = m.Groups["spl"].Value.Replace("''", "'", StringComparison.Ordinal);
        var (mutated, what) = MutateSpl(spl);
        var quoted = "search: '" + mutated.Replace("'", "''", StringComparison.Ordinal) + "'";
        return (yaml[..m.Index] + quoted + yaml[(m.Index + m.Length)..], what);
    }

    private (string, string) MutateSpl(string spl)
    {
        var at = _random.Next(spl.Length + 1);
        switch (_random.Next(11))
        {
            case 0:
                {
                    var c = "\"'`([{)]}|=\\"[_random.Next(12)];
                    return (spl.Insert(at, c.ToString()), $"insert `{c}` at {at}");
                }

            case 1:
                {
                    var numbers = NumberToken().Matches(spl);
                    string[] huge = ["99999999999999999999999", "1e308", "-99999999999", "2147483648", "0", "-0", "NaN", "1e-400"];
                    var n = huge[_random.Next(huge.Length)];
                    if (numbers.Count == 0)
                    {
                        return (spl + " | head " + n, $"append head {n}");
                    }

                    var target = numbers[_random.Next(numbers.Count)];
                    return (spl[..target.Index] + n + spl[(target.Index + target.Length)..], $"number {target.Value} -> {n}");
                }

            case 2:
                {
                    var depth = _random.Next(1, MaxNesting);
                    return (spl.Insert(at, " " + new string('(', depth) + "x=1" + new string(')', depth) + " "), $"nest {depth} parentheses at {at}");
                }

            case 3:
                {
                    var depth = _random.Next(1, MaxNesting);
                    var expr = string.Concat(Enumerable.Repeat("abs(", depth)) + "1" + new string(')', depth);
                    return (spl + " | eval fuzz_nested=" + expr, $"eval nested {depth} calls");
                }

            case 4:
                {
                    string[] macros = ["`no_such_macro`", "`sysmon(1,2)`", "`security_content_ctime`", "``", "`", "`drop_dm_object_name()`", "`a$b$`"];
                    var macro = macros[_random.Next(macros.Length)];
                    return (spl.Insert(at, " " + macro + " "), $"macro {macro} at {at}");
                }

            case 5:
                {
                    var length = _random.Next(Math.Max(1, spl.Length - at));
                    return (spl.Remove(at, Math.Min(length, spl.Length - at)), $"delete {length} chars at {at}");
                }

            case 6:
                {
                    var pipes = spl.Split('|');
                    var i = _random.Next(pipes.Length);
                    var j = _random.Next(pipes.Length);
                    (pipes[i], pipes[j]) = (pipes[j], pipes[i]);
                    return (string.Join('|', pipes), $"swap pipe segments {i} and {j}");
                }

            case 7:
                {
                    var pipes = spl.Split('|').ToList();
                    var i = _random.Next(pipes.Count);
                    pipes.Insert(i, pipes[i]);
                    return (string.Join('|', pipes), $"repeat pipe segment {i}");
                }

            case 8:
                {
                    string[] odd = ["\u0000", "\u202e", "\uffff", "\ud800", "é", "\t", "\r\n", "$", "$$", "%", "*", "**", "\\", "[search]", "[]", "NOT NOT NOT", "AND OR"];
                    var s = odd[_random.Next(odd.Length)];
                    return (spl.Insert(at, s), $"insert {Escape(s)} at {at}");
                }

            case 9:
                {
                    string[] empty = ["", " ", "|", "| |", "``", "search", "| tstats", "| stats"];
                    var s = empty[_random.Next(empty.Length)];
                    return (s, $"search = {Escape(s)}");
                }

            default:
                {
                    var depth = _random.Next(1, MaxNesting / 3);
                    var sub = string.Concat(Enumerable.Repeat("[search index=* ", depth)) + new string(']', depth);
                    return (spl + " | search x=" + sub, $"nested {depth} subsearches");
                }
        }
    }

    private static string Escape(string s) => string.Concat(s.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:x4}" : c.ToString()));

    /// <summary>Each top-level key with its value lines: start, length, key.</summary>
    private static List<(int Start, int Length, string Key)> TopLevelBlocks(string yaml)
    {
        var result = new List<(int, int, string)>();
        foreach (Match m in TopLevelKey().Matches(yaml))
        {
            var next = TopLevelKey().Match(yaml, m.Index + m.Length);
            var end = next.Success ? next.Index : yaml.Length;
            result.Add((m.Index, end - m.Index, m.Groups["key"].Value));
        }

        return result;
    }

    public override string ToString() => seed.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<key>[a-z_]+):", RegexOptions.Multiline)]
    private static partial Regex TopLevelKey();

    [GeneratedRegex(@"^search: '(?<spl>(?:[^']|'')*)'", RegexOptions.Multiline)]
    private static partial Regex SearchLine();

    [GeneratedRegex(@"(?<![\w.])\d+(?![\w.])")]
    private static partial Regex NumberToken();
}
