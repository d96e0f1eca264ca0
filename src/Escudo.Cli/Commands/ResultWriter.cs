using System.Text;
using Escudo.Core.Events;
using Escudo.Detections.Output;
using Spectre.Console;

namespace Escudo.Cli.Commands;

/// <summary>Writes result rows as the contract's json/jsonl, csv, or a table for people.</summary>
internal static class ResultWriter
{
    public static void Write(IReadOnlyList<Row> rows, string format, TextWriter output)
    {
        switch (format)
        {
            case "json":
                {
                    using var stdout = Console.OpenStandardOutput();
                    ResultJson.WriteArray(stdout, rows);
                    stdout.Write("\n"u8);
                    break;
                }

            case "jsonl":
                foreach (var r in rows)
                {
                    output.WriteLine(ResultJson.ToJsonLine(r));
                }

                break;
            case "csv":
                WriteCsv(rows, output);
                break;
            default:
                WriteTable(rows);
                break;
        }
    }

    public static List<string> Columns(IReadOnlyList<Row> rows)
    {
        var cols = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            for (var i = 0; i < r.Count; i++)
            {
                if (seen.Add(r.NameAt(i)))
                {
                    cols.Add(r.NameAt(i));
                }
            }
        }

        return cols;
    }

    private static void WriteCsv(IReadOnlyList<Row> rows, TextWriter output)
    {
        var cols = Columns(rows);
        output.WriteLine(string.Join(',', cols.Select(Quote)));
        foreach (var r in rows)
        {
            output.WriteLine(string.Join(',', cols.Select(c => Quote(r.Get(c).ToDisplayString()))));
        }
    }

    private static string Quote(string s) => s.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    public static void WriteTable(IReadOnlyList<Row> rows, int maxCell = 80)
    {
        if (rows.Count == 0)
        {
            AnsiConsole.MarkupLine("[grey]no results[/]");
            return;
        }

        var cols = Columns(rows).Where(c => c != "_raw" || rows.Count == 1).ToList();
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var c in cols)
        {
            table.AddColumn(new TableColumn(Markup.Escape(c)));
        }

        foreach (var r in rows)
        {
            table.AddRow(cols.Select(c =>
            {
                var text = r.Get(c).ToDisplayString();
                if (text.Length > maxCell)
                {
                    text = text[..(maxCell - 1)] + "…";
                }

                return (Spectre.Console.Rendering.IRenderable)new Text(text);
            }).ToArray());
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{rows.Count} result(s)[/]");
    }

    public static string Plain(IReadOnlyList<Row> rows)
    {
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            sb.AppendLine(ResultJson.ToJsonLine(r));
        }

        return sb.ToString();
    }
}
