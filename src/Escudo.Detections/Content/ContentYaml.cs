using System.Collections;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Escudo.Detections.Content;

/// <summary>
/// Reads one content YAML file (a detection, a macro, a lookup definition) into its model, or says
/// why it cannot: too large, unreadable, or not valid YAML for the model (with line and column).
/// </summary>
internal static class ContentYaml
{
    /// <summary>
    /// The largest content YAML file read. ESCU's largest detection is about 8 KB; a file far past
    /// that is not content, and reading it whole could exhaust memory.
    /// </summary>
    public const long MaxFileBytes = 1 << 20;

    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        // A key written with no value (`status:`) must not become a null where the model promises a value.
        .WithEnforceNullability()
        .Build();

    /// <summary>The model read from <paramref name="file"/>, or null with the reason in <paramref name="error"/>.</summary>
    public static T? Read<T>(string file, out string? error)
        where T : class
    {
        error = null;
        string text;
        try
        {
            // A link's own length is that of its target's name: measure what it points at.
            var info = new FileInfo(file);
            if (info.LinkTarget is not null)
            {
                info = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            }

            var length = info.Length;
            if (length > MaxFileBytes)
            {
                error = $"file is {length:N0} bytes, over the {MaxFileBytes:N0}-byte limit for a content file: not read";
                return null;
            }

            if (length == 0)
            {
                // Not opened: a FIFO or a device (a link to /dev/zero) also has length 0, and reading
                // one would wait for a writer, or never end.
                error = "the file is empty (or not a regular file): not read";
                return null;
            }

            // Read no more than the length measured (UTF-8 has at most one character per byte): a
            // file that grows while it is read is refused rather than read without a bound.
            using var reader = new StreamReader(file);
            var buffer = new char[length + 1];
            var read = reader.ReadBlock(buffer, 0, buffer.Length);
            if (read > length)
            {
                error = $"the file grew past its {length:N0} bytes while it was read: not read";
                return null;
            }

            text = new string(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read the file: {e.Message}";
            return null;
        }

        return Parse<T>(text, out error);
    }

    /// <summary>The model read from YAML text, or null with the reason in <paramref name="error"/>.</summary>
    public static T? Parse<T>(string text, out string? error)
        where T : class
    {
        error = null;
        try
        {
            var value = Yaml.Deserialize<T>(text);
            if (value is null)
            {
                error = "the file is empty";
            }

            return value;
        }
        catch (YamlException e)
        {
            error = Describe(e);
            return null;
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            // YamlDotNet reports most conversion failures as YamlException, but not every one:
            // whatever it throws while reading user content is a problem with that file, not a crash.
            error = $"YAML error: {e.Message}";
            return null;
        }
    }

    /// <summary>"YAML error at line L, column C: what" with YamlDotNet's innermost message, which says what went wrong.</summary>
    public static string Describe(YamlException e)
    {
        var inner = e.InnerException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        var what = inner switch
        {
            NullReferenceException => "a key has no value where the detection format requires one",
            not null when !string.IsNullOrEmpty(inner.Message) => inner.Message,
            _ => e.Message,
        };
        if (what.StartsWith("No node deserializer was able to deserialize the node into type ", StringComparison.Ordinal))
        {
            // The .NET type name means nothing to a content author; the shape does.
            what = "a value has the wrong shape (for example a list where text is expected)";
        }

        return $"YAML error at line {e.Start.Line}, column {e.Start.Column}: {what}";
    }

    /// <summary>
    /// The first list entry left empty (<c>- ~</c> or a bare <c>-</c>) anywhere in a content model, as a
    /// reason; null when there is none. Code reading the model relies on entries being present.
    /// </summary>
    public static string? FindEmptyListEntry(object model, string path = "")
    {
        foreach (var p in model.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || p.GetCustomAttribute<YamlIgnoreAttribute>() is not null)
            {
                continue;
            }

            var key = path + (p.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? UnderscoredNamingConvention.Instance.Apply(p.Name));
            var value = p.GetValue(model);
            if (value is IList list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is not { } item)
                    {
                        return $"`{key}` has an empty entry (item {i + 1})";
                    }

                    if (IsModel(item.GetType()) && FindEmptyListEntry(item, $"{key}[{i + 1}].") is { } inner)
                    {
                        return inner;
                    }
                }
            }
            else if (value is not null && IsModel(value.GetType()) && FindEmptyListEntry(value, key + ".") is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    private static bool IsModel(Type t) => t.IsClass && t != typeof(string) && t.Namespace == typeof(ContentYaml).Namespace;
}
