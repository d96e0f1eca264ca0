using System.Diagnostics;
using Escudo.Core.Events;
using Escudo.Ingest;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Hostile;

/// <summary>
/// Folders made hostile here (issue 14): symbolic link loops, a FIFO, a link to a device. Every
/// real file is read once, nothing blocks, and what is skipped is named.
/// </summary>
public sealed class HostileFolderTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(SharedData.RepoRoot, "tests/fixtures/founding/regasm_sysmon.xml");

    private static readonly int FixtureEvents = File.ReadAllLines(Fixture).Length;

    private readonly string _root = Directory.CreateTempSubdirectory("escudo-folders-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (List<Row> Rows, List<IngestProblem> Problems) Read(string path)
    {
        var problems = new List<IngestProblem>();
        var rows = InputReader.Read(path, EventReadOptions.Default, problems.Add).ToList();
        return (rows, problems);
    }

    [Fact]
    public void LinksBackUpTheTreeAndToEachOtherAreFollowedOnce()
    {
        var a = Directory.CreateDirectory(Path.Combine(_root, "a")).FullName;
        var b = Directory.CreateDirectory(Path.Combine(_root, "b")).FullName;
        File.Copy(Fixture, Path.Combine(a, "events.xml"));
        File.Copy(Fixture, Path.Combine(b, "more.xml"));
        File.CreateSymbolicLink(Path.Combine(a, "same.xml"), "events.xml"); // a second name for one file
        Directory.CreateSymbolicLink(Path.Combine(a, "up"), "..");          // a loop through the root
        Directory.CreateSymbolicLink(Path.Combine(a, "to-b"), "../b");      // two folders linking to each other
        Directory.CreateSymbolicLink(Path.Combine(b, "to-a"), "../a");
        Directory.CreateSymbolicLink(Path.Combine(b, "self"), ".");

        var (rows, problems) = Read(_root);
        Assert.Empty(problems);
        Assert.Equal(2 * FixtureEvents, rows.Count);
    }

    [Fact]
    public void ALinkChainLongerThanTheLoopLimitIsReported()
    {
        File.Copy(Fixture, Path.Combine(_root, "events.xml"));
        File.CreateSymbolicLink(Path.Combine(_root, "l1"), "l2");
        File.CreateSymbolicLink(Path.Combine(_root, "l2"), "l1");
        var (rows, problems) = Read(_root);
        Assert.Equal(FixtureEvents, rows.Count);
        Assert.Contains(problems, p => p.File.EndsWith("l1", StringComparison.Ordinal) && p.Message.Contains("link loop", StringComparison.Ordinal));
    }

    [Fact]
    public void FifoAndDeviceInAFolderAreSkippedWithAWarningAndDoNotBlock()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "FIFOs and /dev/zero are Unix");
        File.Copy(Fixture, Path.Combine(_root, "events.xml"));
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(_root, "pipe.xml")))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        File.CreateSymbolicLink(Path.Combine(_root, "zero.json"), "/dev/zero");
        File.WriteAllText(Path.Combine(_root, "empty.json"), string.Empty);

        var (rows, problems) = Read(_root);
        Assert.Equal(FixtureEvents, rows.Count);
        foreach (var name in new[] { "pipe.xml", "zero.json", "empty.json" })
        {
            Assert.Contains(problems, p => p.File == Path.Combine(_root, name) && p.Message.Contains("not a regular file", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void UnknownFilesInAFolderAreNamedAndSidecarsAreNot()
    {
        File.Copy(Fixture, Path.Combine(_root, "events.xml"));
        File.WriteAllText(Path.Combine(_root, "notes.txt"), "not events");
        File.WriteAllText(Path.Combine(_root, "README.md"), "# readme");
        File.WriteAllText(Path.Combine(_root, ".DS_Store"), "x");
        var (rows, problems) = Read(_root);
        Assert.Equal(FixtureEvents, rows.Count);
        var problem = Assert.Single(problems);
        Assert.Equal(Path.Combine(_root, "notes.txt"), problem.File);
        Assert.Equal("format detection", problem.What);
    }
}
