using Escudo.Spl.Execution;
using Escudo.Spl.Macros;

namespace Escudo.Detections.Content;

/// <summary>
/// An ESCU-layout content folder loaded as it is: detections, macros and lookups. Detection files
/// that are not runnable detections are kept in <see cref="Invalid"/> with the reason, macro and
/// lookup files that do not load in <see cref="Problems"/>; the rest load.
/// </summary>
public sealed class ContentFolder
{
    private ContentFolder(string root)
    {
        Root = root;
    }

    public string Root { get; }

    public List<Detection> Detections { get; } = [];

    /// <summary>Files under <c>detections/</c> that are not runnable detections, with the reason, in file order.</summary>
    public List<InvalidDetection> Invalid { get; } = [];

    /// <summary>Whether the folder has a <c>detections/</c> folder at all (an empty one is still an answer).</summary>
    public bool HasDetectionsFolder { get; private set; }

    public DictionaryMacroSource ContentMacros { get; } = new();

    public LookupStore Lookups { get; private set; } = LookupStore.Empty;

    public List<(string File, string Reason)> Problems { get; } = [];

    /// <summary>Macros in lookup order: the user's folders, then the content's, then Splunk's built-ins.</summary>
    public IMacroSource Macros { get; private set; } = BuiltInMacros.Instance;

    public static ContentFolder Load(string root, IEnumerable<string>? userMacroFolders = null)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException(File.Exists(root)
                ? $"content folder is a file, not a folder: {root} (give the folder that holds detections/, macros/, lookups/)"
                : $"content folder not found: {root}");
        }

        var c = new ContentFolder(Path.GetFullPath(root));
        var layers = new List<IMacroSource>();
        foreach (var folder in userMacroFolders ?? [])
        {
            var user = new DictionaryMacroSource();
            LoadMacros(folder, user, c.Problems);
            layers.Add(user);
        }

        LoadMacros(Path.Combine(root, "macros"), c.ContentMacros, c.Problems);
        layers.Add(c.ContentMacros);
        layers.Add(BuiltInMacros.Instance);
        c.Macros = new LayeredMacroSource(layers);
        c.Lookups = LookupStore.Load(Path.Combine(root, "lookups"), c.Problems);

        var detDir = Path.Combine(root, "detections");
        c.HasDetectionsFolder = Directory.Exists(detDir);
        if (c.HasDetectionsFolder)
        {
            // Files are read and deserialized on every core (YamlDotNet's deserializer is
            // thread-safe since 16.1: 1,459 files for ESCU); the results keep file order.
            var read = YamlFiles(detDir).AsParallel().AsOrdered().Select(file =>
            {
                var d = ReadDetection(file, Path.GetRelativePath(root, file).Replace('\\', '/'), out var invalid);
                return (Detection: d, Invalid: invalid);
            }).ToList();
            foreach (var (d, invalid) in read)
            {
                if (d is not null)
                {
                    c.Detections.Add(d);
                }
                else
                {
                    c.Invalid.Add(invalid!);
                }
            }
        }

        return c;
    }

    /// <summary>Loads a single detection file (for tests), or throws with the reason it is not a runnable detection.</summary>
    public static Detection LoadDetection(string file) =>
        ReadDetection(file, file, out var invalid) ?? throw new InvalidDataException($"{file}: {invalid!.Reason}");

    /// <summary>
    /// One detection file: the detection when it is runnable, else null and why not. A runnable
    /// detection has a name, an id and a search; without a search it would match every event.
    /// </summary>
    internal static Detection? ReadDetection(string file, string relativePath, out InvalidDetection? invalid)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var d = ContentYaml.Read<Detection>(file, out var error);
        invalid = null;
        if (d is null)
        {
            invalid = new InvalidDetection(relativePath, stem, null, null, null, error ?? "not a detection");
            return null;
        }

        d.File = relativePath;
        var reason = string.IsNullOrWhiteSpace(d.Name) ? "not a detection: no `name`"
            : string.IsNullOrWhiteSpace(d.Id) ? "not a detection: no `id`"
            : string.IsNullOrWhiteSpace(d.Search) ? "invalid detection: no `search` (an empty search would match every event)"
            : ContentYaml.FindEmptyListEntry(d) is { } empty ? "invalid detection: " + empty
            : null;
        if (reason is null)
        {
            return d;
        }

        invalid = new InvalidDetection(relativePath, string.IsNullOrWhiteSpace(d.Name) ? stem : d.Name, string.IsNullOrWhiteSpace(d.Id) ? null : d.Id, d.Type, d.Status, reason);
        return null;
    }

    public static void LoadMacros(string folder, DictionaryMacroSource into, List<(string File, string Reason)> problems)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var file in YamlFiles(folder))
        {
            var m = ContentYaml.Read<MacroFile>(file, out var error);
            if (m is null)
            {
                problems.Add((file, error ?? "not a macro"));
                continue;
            }

            if (m.Name is null || m.Definition is null || m.Arguments?.Any(a => a is null) == true)
            {
                problems.Add((file, "macro without name or definition"));
                continue;
            }

            into.Add(new MacroDefinition(m.Name, m.Arguments ?? [], m.Definition));
        }
    }

    /// <summary>
    /// The <c>.yml</c> files under a folder and its subfolders, in ordinal path order. Linked folders
    /// are followed, but each real folder is read once: a link back to a parent would otherwise make
    /// the walk endless (two such links made `check` run for minutes and count files many times).
    /// </summary>
    internal static List<string> YamlFiles(string folder)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(Path.GetFullPath(folder));
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            var real = RealPath(dir);
            if (real is null || !seen.Add(real))
            {
                continue;
            }

            files.AddRange(Directory.EnumerateFiles(dir, "*.yml"));
            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                pending.Push(sub);
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>The folder with every link in its path resolved; null for a dangling link.</summary>
    private static string? RealPath(string dir)
    {
        var info = new DirectoryInfo(dir);
        if (info.LinkTarget is null)
        {
            var parent = info.Parent;
            return parent is null ? info.FullName : RealPath(parent.FullName) is { } p ? Path.Combine(p, info.Name) : null;
        }

        try
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target is { Exists: true } ? RealPath(target.FullName) : null;
        }
        catch (IOException)
        {
            // Links that point at each other: there is no folder to read.
            return null;
        }
    }

    private sealed class MacroFile
    {
        public string? Name { get; set; }

        public string? Definition { get; set; }

        public List<string>? Arguments { get; set; }

        public string? Description { get; set; }
    }
}
