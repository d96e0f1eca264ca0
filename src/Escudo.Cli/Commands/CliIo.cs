using Escudo.Core.Storage;
using Escudo.Detections.Store;
using Escudo.Ingest;

namespace Escudo.Cli.Commands;

/// <summary>Reading inputs and reporting problems the same way in every command.</summary>
internal static class CliIo
{
    /// <summary>Reads every event of the inputs into memory (problems reported as <see cref="InputSet"/> does).</summary>
    public static MemoryStore LoadStore(InputSet inputs) => new(inputs.Read().ToList());

    /// <summary>Loads a content folder, or says why it cannot on stderr (the commands then exit 1).</summary>
    public static Detections.Content.ContentFolder? LoadContent(string dir, IEnumerable<string> macroFolders)
    {
        // A --macros folder that is not there would leave its macros undefined and every detection
        // using one "unsupported" for a reason that hides the real one.
        foreach (var folder in macroFolders)
        {
            if (!Directory.Exists(folder))
            {
                Console.Error.WriteLine($"escudo: --macros folder not found: {folder}");
                return null;
            }
        }

        try
        {
            var content = Detections.Content.ContentFolder.Load(dir, macroFolders);
            DetectionSelection.ReportContentProblems(content);
            return content;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"escudo: {e.Message}");
            return null;
        }
    }

    public static void ReportProblem(IngestProblem p) => Console.Error.WriteLine($"escudo: warning: {p.File} at {p.Offset}: {p.What}: {p.Message}");

    public static IEventSource Empty => MemoryEventSource.Empty;

    public static bool IsTerminal => !Console.IsOutputRedirected;
}
