namespace Escudo.Tests.Support;

/// <summary>
/// A content folder made for one test under the temp folder: the founding detections and macros of
/// tests/detection-tests/content (or nothing), plus the files the test writes. Deleted on dispose.
/// </summary>
public sealed class TempContent : IDisposable
{
    private TempContent(string root)
    {
        Root = root;
    }

    public string Root { get; }

    public string Detections => Path.Combine(Root, "detections");

    /// <summary>An empty folder (no detections/ folder at all).</summary>
    public static TempContent Empty() => new(Directory.CreateTempSubdirectory("escudo-content-").FullName);

    /// <summary>The founding content: four detections with tests, and the macros they call.</summary>
    public static TempContent Founding()
    {
        var c = Empty();
        Copy(Path.Combine(SharedData.RepoRoot, "tests", "detection-tests", "content"), c.Root);
        return c;
    }

    /// <summary>Writes a file under the content folder (relative path, parents created) and returns its full path.</summary>
    public string Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not a test failure.
        }
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
