namespace Escudo.Tests.Support;

/// <summary>
/// Finds the project's shared folder (ESCU content, datasets): ESCUDO_SHARED if set, else
/// ../shared beside the repository. Tests that need it call <see cref="Require"/>, which fails
/// with a message naming both places when it is absent, so a missing folder is never a silent pass.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(Find);

    public static string? TryRoot => Root.Value;

    public static string Require(string relative = "")
    {
        var root = Root.Value ?? throw new InvalidOperationException(
            "The shared data folder was not found. Set ESCUDO_SHARED to it, or put it at ../shared beside the repository.");
        var path = Path.Combine(root, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new InvalidOperationException($"Shared data '{relative}' is missing under {root}.");
        }

        return path;
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Escudo.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Repository root (Escudo.slnx) not found above " + AppContext.BaseDirectory);
        }
    }

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("ESCUDO_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return Path.GetFullPath(env);
        }

        var candidate = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        return Directory.Exists(candidate) ? candidate : null;
    }
}
