using Escudo.Detections.Content;
using Escudo.Detections.Running;
using Escudo.Detections.Testing;
using Escudo.Ingest.Sources;

namespace Escudo.Cli.Commands;

/// <summary>
/// <c>escudo explain &lt;detection&gt;</c>: runs one detection and shows, for its base search, how many
/// events each clause matches and how many rows leave each pipeline stage.
/// </summary>
internal static class ExplainCommandHandler
{
    public static int Run(string which, string contentDir, IReadOnlyList<string> inputs, IReadOnlyList<string> macros, EventReadOptions options, InputFlags? flags = null)
    {
        var content = CliIo.LoadContent(contentDir, macros);
        if (content is null)
        {
            return 1;
        }

        var matches = content.Detections.Where(d => Glob.MatchesDetection(which, d) || d.Name.Equals(which, StringComparison.OrdinalIgnoreCase)).ToList();
        var invalid = content.Invalid.Where(d => DetectionSelection.Matches(which, d) || d.Name.Equals(which, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count + invalid.Count == 0)
        {
            Console.Error.WriteLine($"escudo: no detection matches `{which}` (by name, file or id) among the {content.Detections.Count + content.Invalid.Count} in {contentDir}");
            return 1;
        }

        foreach (var d in invalid)
        {
            Console.WriteLine($"{d.Name} ({d.File}): cannot run: {d.Reason}");
        }

        if (!InputSet.CheckExist(inputs))
        {
            return 1;
        }

        var inputSet = new InputSet(inputs, options, flags ?? InputFlags.Default);
        var store = CliIo.LoadStore(inputSet);
        var inputStatus = inputs.Count > 0 ? inputSet.Finish() : 0;
        var engine = new DetectionEngine(content);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var failed = invalid.Count;
        foreach (var d in matches)
        {
            var run = engine.Run(d, store, now);
            failed += run.Error is null ? 0 : 1;
            Console.WriteLine($"{d.Name} ({d.File}): {(run.Error is not null ? "cannot run: " + run.Error : run.Results.Count + " result(s)")}");
            if (run.Error is null)
            {
                foreach (var line in Explainer.Explain(d, run.ExpandedSearch, engine.ContextFor(store, now)).Split('\n'))
                {
                    Console.WriteLine("  " + line);
                }
            }
        }

        // The explanation of a detection that cannot run is its error: a script must see it failed.
        return failed > 0 ? 1 : inputStatus;
    }
}
