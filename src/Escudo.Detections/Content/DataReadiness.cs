using Escudo.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Escudo.Detections.Content;

/// <summary>One ESCU data source (<c>data_sources/*.yml</c>): where its events come from and which event kind it is.</summary>
/// <param name="Name">As detections name it in <c>data_source:</c>.</param>
/// <param name="Source">The Splunk source its events carry (e.g. <c>XmlWinEventLog:Security</c>).</param>
/// <param name="Separator">The field that tells its event kinds apart (<c>EventCode</c>, <c>EventID</c>, <c>eventName</c>), or null.</param>
/// <param name="SeparatorValue">That field's value for this data source: the last word of its name (<c>Sysmon EventID 1</c> gives 1).</param>
public sealed record DataSourceNeed(string Name, string? Source, string? SourceType, string? Separator, string? SeparatorValue);

/// <summary>
/// Which detections had the data they need in the input: a detection is ready when at least one
/// of its data sources was seen (ESCU lists alternatives, such as Sysmon EventID 1 or Security
/// 4688), and a data source is seen when an event with its source (or, without one, its
/// sourcetype) and, when it has a separator, that field's value was read.
/// </summary>
public sealed class DataReadiness
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    private readonly Dictionary<string, DataSourceNeed> _needs = new(StringComparer.OrdinalIgnoreCase);
    private readonly int[] _separatorIds;
    private readonly HashSet<(string Source, string Value)> _seen = [];
    private readonly HashSet<string> _sources = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _sourceTypes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    private sealed class DataSourceYaml
    {
        public string Name { get; set; } = string.Empty;

        public string? Source { get; set; }

        public string? Sourcetype { get; set; }

        public string? Separator { get; set; }
    }

    public DataReadiness(IEnumerable<DataSourceNeed> needs)
    {
        foreach (var n in needs)
        {
            _needs[n.Name] = n;
        }

        _separatorIds = [.. _needs.Values.Select(n => n.Separator).OfType<string>().Distinct(StringComparer.Ordinal).Select(FieldTable.Intern)];
    }

    /// <summary>The data sources of an ESCU content folder (none when it has no <c>data_sources/</c>); unreadable files are reported and skipped.</summary>
    public static DataReadiness Load(string contentRoot, Action<string, string>? problem = null)
    {
        var folder = Path.Combine(contentRoot, "data_sources");
        var needs = new List<DataSourceNeed>();
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                try
                {
                    var y = Yaml.Deserialize<DataSourceYaml>(File.ReadAllText(file));
                    if (y is null || string.IsNullOrWhiteSpace(y.Name))
                    {
                        continue;
                    }

                    var value = y.Separator is null ? null : y.Name.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
                    needs.Add(new DataSourceNeed(y.Name.Trim(), y.Source, y.Sourcetype, y.Separator, value));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
                {
                    problem?.Invoke(file, e.Message);
                }
            }
        }

        return new DataReadiness(needs);
    }

    /// <summary>Notes what one event offers (called for every event read; thread-safe).</summary>
    public void Observe(Row ev)
    {
        var source = ev.Get(FieldTable.Source).RawString;
        var sourceType = ev.Get(FieldTable.SourceType).RawString;
        lock (_gate)
        {
            if (source is not null)
            {
                _sources.Add(source);
                foreach (var id in _separatorIds)
                {
                    var v = ev.Get(id);
                    if (!v.IsNull)
                    {
                        _seen.Add((source, v.ToDisplayString()));
                    }
                }
            }

            if (sourceType is not null)
            {
                _sourceTypes.Add(sourceType);
            }
        }
    }

    /// <summary>Whether the input held events of this data source.</summary>
    public bool Seen(DataSourceNeed n)
    {
        lock (_gate)
        {
            if (n.Source is { } source)
            {
                return n.SeparatorValue is { } value
                    ? _seen.Contains((source, value)) || _seen.Any(s => s.Value == value && s.Source.Equals(source, StringComparison.OrdinalIgnoreCase))
                    : _sources.Contains(source);
            }

            return n.SourceType is { } st && _sourceTypes.Contains(st);
        }
    }

    /// <summary>True, false, or null when the detection names no data source this folder describes.</summary>
    public bool? Ready(Detection d)
    {
        var known = d.AllDataSources.Select(name => _needs.GetValueOrDefault(name.Trim())).OfType<DataSourceNeed>().ToList();
        return known.Count == 0 ? null : known.Any(Seen);
    }
}
