using Escudo.Detections.Output;
using Escudo.Ingest.Sources;

namespace Escudo.Cli.Commands;

/// <summary><c>escudo export</c>: events as parsed, one per line: their XML as Windows renders it, or JSON with every extracted field.</summary>
internal static class ExportCommandHandler
{
    public static int Run(IReadOnlyList<string> inputs, string format, EventReadOptions options, InputFlags? flags = null)
    {
        if (!InputSet.CheckExist(inputs))
        {
            return 1;
        }

        var stdout = Console.Out;
        var inputSet = new InputSet(inputs, options, flags ?? InputFlags.Default);
        foreach (var row in inputSet.Read())
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

        stdout.Flush();
        return inputSet.Finish();
    }
}
