using System.Collections.Frozen;
using System.Reflection;

namespace Escudo.Server.Web;

/// <summary>
/// The console's static files (styles, scripts, the vendored chart library), embedded in the
/// binary so pages work offline and the hunt report can inline the same files. Names are paths
/// under Web/Assets, such as <c>escudo.css</c> or <c>vendor/uplot.iife.min.js</c>.
/// </summary>
public static class WebAssets
{
    private const string Prefix = "escudo.web.";

    private static readonly FrozenDictionary<string, byte[]> Files = Load();

    /// <summary>Every asset name, for listings and tests.</summary>
    public static IEnumerable<string> Names => Files.Keys;

    /// <summary>The asset's bytes, or null when no asset has that name.</summary>
    public static byte[]? Find(string name) => Files.GetValueOrDefault(name);

    /// <summary>The asset as text; throws for a name that is not embedded (a programming error).</summary>
    public static string Text(string name) =>
        Find(name) is { } bytes
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : throw new KeyNotFoundException($"no embedded web asset named '{name}'");

    /// <summary>The Content-Type to serve an asset with, from its extension.</summary>
    public static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[Prefix.Length..]] = copy.ToArray();
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
