using Escudo.Spl.Execution;
using Escudo.Spl.Macros;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Escudo.Detections.Content;

/// <summary>
/// An ESCU-layout content folder loaded as it is: detections, macros and lookups. Files that do
/// not load are kept as problems with the file and the reason; the rest load.
/// </summary>
public sealed class ContentFolder
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    private ContentFolder(string root)
    {
        Root = root;
    }

    public string Root { get; }

    public List<Detection> Detections { get; } = [];

    public DictionaryMacroSource ContentMacros { get; } = new();

    public LookupStore Lookups { get; private set; } = LookupStore.Empty;

    public List<(string File, string Reason)> Problems { get; } = [];

    /// <summary>Macros in lookup order: the user's folders, then the content's, then Splunk's built-ins.</summary>
    public IMacroSource Macros { get; private set; } = BuiltInMacros.Instance;

    public static ContentFolder Load(string root, IEnumerable<string>? userMacroFolders = null)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"content folder not found: {root}");
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
        if (Directory.Exists(detDir))
        {
            foreach (var file in Directory.EnumerateFiles(detDir, "*.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
                try
                {
                    var d = Yaml.Deserialize<Detection>(File.ReadAllText(file));
                    if (d is null || string.IsNullOrWhiteSpace(d.Name))
                    {
                        c.Problems.Add((rel, "not a detection (no name)"));
                        continue;
                    }

                    d.File = rel;
                    c.Detections.Add(d);
                }
                catch (YamlException e)
                {
                    c.Problems.Add((rel, $"YAML error at line {e.Start.Line}: {e.InnerException?.Message ?? e.Message}"));
                }
            }
        }

        return c;
    }

    /// <summary>Loads a single detection file (for tests and `escudo test --only`).</summary>
    public static Detection LoadDetection(string file)
    {
        var d = Yaml.Deserialize<Detection>(File.ReadAllText(file)) ?? throw new InvalidDataException($"{file}: empty");
        d.File = file;
        return d;
    }

    public static void LoadMacros(string folder, DictionaryMacroSource into, List<(string File, string Reason)> problems)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            try
            {
                var m = Yaml.Deserialize<MacroFile>(File.ReadAllText(file));
                if (m?.Name is null || m.Definition is null)
                {
                    problems.Add((file, "macro without name or definition"));
                    continue;
                }

                into.Add(new MacroDefinition(m.Name, m.Arguments ?? [], m.Definition));
            }
            catch (YamlException e)
            {
                problems.Add((file, $"YAML error at line {e.Start.Line}: {e.Message}"));
            }
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
