using Escudo.Core.Events;
using Escudo.Ingest;
using Escudo.Ingest.Sources;

namespace Escudo.Cli.Commands;

/// <summary>How a command reads its inputs: the CLI flags every reading command shares.</summary>
internal sealed record InputFlags(bool Quiet = false, bool AllowEmpty = false)
{
    public static readonly InputFlags Default = new();
}

/// <summary>
/// The --input paths of one command: checked before any work (a missing or unreadable path is
/// exit 1 naming it), read in order with problems reported at most <see cref="WarningsPerFile"/>
/// lines per file and then summed up per file, and counted, so that an input with no readable
/// event is a warning and exit 1 (unless --allow-empty) instead of a green run over nothing.
/// </summary>
internal sealed class InputSet(IReadOnlyList<string> paths, EventReadOptions options, InputFlags flags)
{
    /// <summary>Problems printed per file before the rest are only counted (a file of random bytes has one per line).</summary>
    public const int WarningsPerFile = 5;

    private readonly Dictionary<string, long> _problemsByFile = new(StringComparer.Ordinal);
    private readonly long[] _eventsByInput = new long[paths.Count];

    /// <summary>The --input paths as given.</summary>
    public IReadOnlyList<string> Paths => paths;

    public long Problems { get; private set; }

    public long Events => _eventsByInput.Sum();

    /// <summary>Says on stderr which inputs do not exist or cannot be read; false when any.</summary>
    public static bool CheckExist(IReadOnlyList<string> paths)
    {
        var ok = true;
        foreach (var path in paths)
        {
            var reason = Unreadable(path);
            if (reason is not null)
            {
                Console.Error.WriteLine($"escudo: error: input {path}: {reason}");
                ok = false;
            }
        }

        return ok;
    }

    private static string? Unreadable(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                using var entries = Directory.EnumerateFileSystemEntries(path).GetEnumerator();
                entries.MoveNext();
                return null;
            }

            if (!File.Exists(path))
            {
                return "no such file or folder";
            }

            // Opening a FIFO blocks until it has a writer; one named on the command line is read
            // as given (a pipe the user set up), so only files with content are opened here.
            if (new FileInfo(path).Length > 0)
            {
                using var s = File.OpenRead(path);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    /// <summary>Every event of every input, in order.</summary>
    public IEnumerable<Row> Read()
    {
        for (var i = 0; i < paths.Count; i++)
        {
            foreach (var row in InputReader.Read(paths[i], options, Report))
            {
                _eventsByInput[i]++;
                yield return row;
            }

            SummarizeProblems();
        }
    }

    public void Report(IngestProblem p)
    {
        Problems++;
        var n = _problemsByFile[p.File] = _problemsByFile.GetValueOrDefault(p.File) + 1;
        if (!flags.Quiet && n <= WarningsPerFile)
        {
            CliIo.ReportProblem(p);
        }
    }

    private void SummarizeProblems()
    {
        if (!flags.Quiet)
        {
            foreach (var (file, n) in _problemsByFile.Where(f => f.Value > WarningsPerFile))
            {
                Console.Error.WriteLine($"escudo: warning: {n - WarningsPerFile:N0} more problems in {file} ({n:N0} in all)");
            }
        }

        _problemsByFile.Clear();
    }

    /// <summary>
    /// After reading: each input that gave no event is named on stderr; the exit code is 1 when
    /// there is one, unless --allow-empty, and 0 otherwise.
    /// </summary>
    public int Finish()
    {
        var empty = 0;
        for (var i = 0; i < paths.Count; i++)
        {
            if (_eventsByInput[i] == 0)
            {
                empty++;
                Console.Error.WriteLine($"escudo: warning: no readable events in {paths[i]}{(flags.AllowEmpty ? string.Empty : " (--allow-empty to accept that)")}");
            }
        }

        return empty > 0 && !flags.AllowEmpty ? 1 : 0;
    }
}
