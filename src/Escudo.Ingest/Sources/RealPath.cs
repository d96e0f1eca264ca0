namespace Escudo.Ingest.Sources;

/// <summary>
/// The path of a file or folder with every symbolic link on the way resolved (what POSIX
/// <c>realpath</c> gives), so two routes to the same folder compare equal. More than 40 links
/// in one resolution is a loop, as the kernel's ELOOP limit says.
/// </summary>
internal static class RealPath
{
    private const int MaxLinks = 40;

    public static string Of(string path)
    {
        var links = 0;
        return Resolve(Path.GetFullPath(path), ref links);
    }

    private static string Resolve(string full, ref int links)
    {
        var root = Path.GetPathRoot(full) ?? string.Empty;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new IOException($"more than {MaxLinks} symbolic links to follow (a link loop) at {next}");
            }

            // A relative target is relative to the folder holding the link; the rest of the
            // path is resolved again from there, since the target may hold links too.
            var rest = string.Join(Path.DirectorySeparatorChar, parts, i + 1, parts.Length - i - 1);
            var resolved = Path.GetFullPath(target, current);
            return Resolve(rest.Length == 0 ? resolved : Path.Combine(resolved, rest), ref links);
        }

        return current;
    }
}
