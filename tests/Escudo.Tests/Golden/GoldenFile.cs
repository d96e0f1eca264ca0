using System.Globalization;
using System.Text;

namespace Escudo.Tests.Golden;

/// <summary>
/// One golden <c>.test</c> file: header comments (<c># name:</c>, <c># description:</c>,
/// <c># source:</c>), setup directives (<c>now</c>, <c>events</c>, <c>load</c>, <c>macro</c>,
/// <c>macros</c>, <c>lookup</c>) and cases (<c>query</c> or <c>error</c>, the search, <c>----</c>,
/// the expected lines up to a blank line). A later <c>events</c> block replaces the earlier one
/// for the cases after it. <c>gap issue N: why</c> before a case marks it a known gap: the
/// expectation stays the documented one, the engine is known to answer otherwise, and the case
/// fails the suite the day it passes (so the mark is removed, never forgotten).
/// </summary>
public sealed class GoldenFile
{
    public required string Path { get; init; }

    public List<string> Sources { get; } = [];

    public List<GoldenStep> Steps { get; } = [];

    public int CaseCount => Steps.Count(s => s.Kind is GoldenStepKind.Query or GoldenStepKind.Error);

    public static GoldenFile Parse(string path)
    {
        var file = new GoldenFile { Path = path };
        var lines = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var i = 0;
        string? gap = null;
        while (i < lines.Length)
        {
            var line = lines[i];
            var lineNo = i + 1;
            var trimmed = line.Trim();
            i++;
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (trimmed.StartsWith('#'))
            {
                var body = trimmed.TrimStart('#').Trim();
                if (body.StartsWith("source:", StringComparison.Ordinal))
                {
                    file.Sources.Add(body["source:".Length..].Trim());
                }

                continue;
            }

            var (word, rest) = SplitWord(trimmed);
            switch (word)
            {
                case "now":
                    file.Steps.Add(new GoldenStep(GoldenStepKind.Now, lineNo, double.Parse(rest, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture), []));
                    break;
                case "events":
                    if (rest.StartsWith("load ", StringComparison.Ordinal))
                    {
                        file.Steps.Add(new GoldenStep(GoldenStepKind.Load, lineNo, rest["load ".Length..].Trim(), []));
                        break;
                    }

                    file.Steps.Add(new GoldenStep(GoldenStepKind.Events, lineNo, string.Empty, ReadBlock(lines, ref i)));
                    break;
                case "load":
                    file.Steps.Add(new GoldenStep(GoldenStepKind.Load, lineNo, rest, []));
                    break;
                case "macro":
                    file.Steps.Add(new GoldenStep(GoldenStepKind.Macro, lineNo, rest, []));
                    break;
                case "macros":
                    foreach (var m in ReadBlock(lines, ref i))
                    {
                        file.Steps.Add(new GoldenStep(GoldenStepKind.Macro, lineNo, m, []));
                    }

                    break;
                case "lookup":
                    file.Steps.Add(new GoldenStep(GoldenStepKind.Lookup, lineNo, rest, []));
                    break;
                case "gap":
                    gap = GapMark(rest, path, lineNo);
                    break;
                case "query":
                case "error":
                    {
                        var search = new StringBuilder();
                        while (i < lines.Length && lines[i].Trim() != "----")
                        {
                            if (search.Length > 0)
                            {
                                search.Append('\n');
                            }

                            search.Append(lines[i]);
                            i++;
                        }

                        if (i >= lines.Length)
                        {
                            throw new FormatException($"{path}:{lineNo}: `{word}` without a `----` line");
                        }

                        i++; // ----
                        var expected = ReadBlock(lines, ref i);
                        file.Steps.Add(new GoldenStep(word == "query" ? GoldenStepKind.Query : GoldenStepKind.Error, lineNo, search.ToString(), expected) { Gap = gap });
                        gap = null;
                        break;
                    }

                default:
                    throw new FormatException($"{path}:{lineNo}: unknown directive `{word}`");
            }
        }

        return file;
    }

    /// <summary>The text of a <c>gap issue N: why</c> line; a gap that names no issue is refused.</summary>
    private static string GapMark(string rest, string path, int lineNo) =>
        rest.StartsWith("issue ", StringComparison.Ordinal) && rest.Contains(':', StringComparison.Ordinal)
            ? rest
            : throw new FormatException($"{path}:{lineNo}: `gap` must read `gap issue N: why`");

    private static (string Word, string Tail) SplitWord(string s)
    {
        var sp = s.IndexOf(' ', StringComparison.Ordinal);
        return sp < 0 ? (s, string.Empty) : (s[..sp], s[(sp + 1)..].Trim());
    }

    /// <summary>Lines up to (not including) the next blank line.</summary>
    private static List<string> ReadBlock(string[] lines, ref int i)
    {
        var block = new List<string>();
        while (i < lines.Length && lines[i].Trim().Length > 0)
        {
            block.Add(lines[i]);
            i++;
        }

        return block;
    }
}

public enum GoldenStepKind
{
    Now,
    Events,
    Load,
    Macro,
    Lookup,
    Query,
    Error,
}

public sealed record GoldenStep(GoldenStepKind Kind, int Line, string Text, List<string> Lines)
{
    /// <summary>The issue and reason when the case is a known gap (<c>gap issue N: why</c>), else null.</summary>
    public string? Gap { get; init; }
}
