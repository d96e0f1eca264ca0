using Escudo.Detections.Output;
using Escudo.Ingest.Sources;

namespace Escudo.Cli.Commands;

/// <summary><c>escudo export</c>: events as parsed, one per line: their XML as Windows renders it, or JSON with every extracted field.</summary>
internal static class ExportCommandHandler
{
    public static int Run(IReadOnlyList<string> inputs, string format, EventReadOptions options)
    {
        var stdout = Console.Out;
        long problems = 0;
        foreach (var input in inputs)
        {
            foreach (var row in InputReader.Read(input, options, p =>
            {
                problems++;
                CliIo.ReportProblem(p);
            }))
            {
                if (format == "json")
                {
                    stdout.WriteLine(ResultJson.ToJsonLine(row));
                }
                else
                {
                    stdout.WriteLine(row.Get(Core.Events.FieldTable.Raw).ToDisplayString());
                }
            }
        }

        stdout.Flush();
        return 0;
    }
}
