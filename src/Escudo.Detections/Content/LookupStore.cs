using Escudo.Spl.Execution;
using YamlDotNet.Serialization;

namespace Escudo.Detections.Content;

/// <summary>
/// Lookup tables from ESCU <c>lookups/*.yml</c>: CSV files with their match rules
/// (<c>match_type: WILDCARD(f),CIDR(g)</c>, <c>case_sensitive_match</c>, <c>min_matches</c>,
/// <c>max_matches</c>, <c>default_match</c>), and KV-store collections as empty tables with their
/// declared fields. Tables load on first use.
/// </summary>
public sealed class LookupStore : ILookupSource
{
    private readonly Dictionary<string, Lazy<LookupTable?>> _tables = new(StringComparer.Ordinal);

    public static readonly LookupStore Empty = new();

    public IEnumerable<string> Names => _tables.Keys;

    public LookupTable? Find(string name)
    {
        if (_tables.TryGetValue(name, out var t))
        {
            return t.Value;
        }

        // `lookup foo.csv` names the file directly.
        return _tables.Values.Select(v => v.Value).FirstOrDefault(v => v is not null && v.Name.Equals(name, StringComparison.Ordinal));
    }

    public void Add(LookupTable table) => _tables[table.Name] = new Lazy<LookupTable?>(table);

    private static readonly (string Name, string[] Columns)[] EnterpriseSecurityTables =
    [
        ("asset_lookup_by_str", ["asset", "asset_id", "asset_tag", "bunit", "category", "city", "country", "dns", "ip", "is_expected", "lat", "long", "mac", "nt_host", "owner", "pci_domain", "priority", "requires_av", "should_timesync", "should_update"]),
        ("asset_lookup_by_cidr", ["asset", "asset_id", "bunit", "category", "city", "country", "dns", "ip", "is_expected", "lat", "long", "mac", "nt_host", "owner", "pci_domain", "priority"]),
        ("identity_lookup_expanded", ["identity", "identity_tag", "prefix", "nick", "first", "last", "suffix", "email", "phone", "phone2", "managedBy", "priority", "bunit", "category", "watchlist", "startDate", "endDate"]),
    ];

    public static LookupStore Load(string folder, List<(string File, string Reason)> problems)
    {
        var store = new LookupStore();
        if (!Directory.Exists(folder))
        {
            return store;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*.yml").Order(StringComparer.Ordinal))
        {
            var def = ContentYaml.Read<LookupDefinition>(file, out var error);
            if (def is null)
            {
                problems.Add((file, error ?? "not a lookup definition"));
                continue;
            }

            if (def.Name is null)
            {
                continue;
            }

            var d = def;
            if (d.Filename is not null && d.Filename.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                var csv = Path.Combine(folder, d.Filename);
                store._tables[d.Name] = new Lazy<LookupTable?>(() => File.Exists(csv) ? Build(d, CsvReader.Read(csv)) : null);
                store._tables.TryAdd(d.Filename, store._tables[d.Name]);
            }
            else if (d.Collection is not null || d.FieldsList is not null)
            {
                var columns = (d.FieldsList ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(c => c != "_key").ToList();
                store._tables[d.Name] = new Lazy<LookupTable?>(() => Build(d, (columns, [])));
            }
        }

        // Enterprise Security's asset and identity framework tables, which ES builds from the
        // customer's asset and identity lists: empty here unless the content folder defines them.
        foreach (var (name, columns) in EnterpriseSecurityTables)
        {
            store._tables.TryAdd(name, new Lazy<LookupTable?>(() => new LookupTable(name, columns, []) { MaxMatches = 1 }));
        }

        // CSV files without a definition can still be named directly (`inputlookup x.csv`).
        foreach (var csv in Directory.EnumerateFiles(folder, "*.csv"))
        {
            var name = Path.GetFileName(csv);
            if (!store._tables.ContainsKey(name))
            {
                store._tables[name] = new Lazy<LookupTable?>(() => Build(new LookupDefinition { Name = name }, CsvReader.Read(csv)));
            }
        }

        return store;
    }

    private static LookupTable Build(LookupDefinition d, (List<string> Columns, List<string[]> Rows) data)
    {
        var table = new LookupTable(d.Name!, data.Columns, data.Rows)
        {
            CaseSensitive = !string.Equals(d.CaseSensitiveMatch, "false", StringComparison.OrdinalIgnoreCase),
            MaxMatches = int.TryParse(d.MaxMatches, out var max) && max > 0 ? max : (d.MinMatches is not null || d.MaxMatches is not null ? 1 : 100),
            MinMatches = int.TryParse(d.MinMatches, out var min) ? min : 0,
            DefaultMatch = d.DefaultMatch,
        };
        foreach (var part in (d.MatchType ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var open = part.IndexOf('(');
            if (open < 0 || !part.EndsWith(')'))
            {
                continue;
            }

            var kind = part[..open].Trim().ToUpperInvariant();
            var column = part[(open + 1)..^1].Trim();
            if (kind == "WILDCARD")
            {
                table.WildcardColumns.Add(column);
            }
            else if (kind == "CIDR")
            {
                table.CidrColumns.Add(column);
            }
        }

        return table;
    }

    private sealed class LookupDefinition
    {
        public string? Name { get; set; }

        public string? Filename { get; set; }

        public string? Collection { get; set; }

        [YamlMember(Alias = "fields_list")]
        public string? FieldsList { get; set; }

        [YamlMember(Alias = "match_type")]
        public string? MatchType { get; set; }

        [YamlMember(Alias = "case_sensitive_match")]
        public string? CaseSensitiveMatch { get; set; }

        [YamlMember(Alias = "min_matches")]
        public string? MinMatches { get; set; }

        [YamlMember(Alias = "max_matches")]
        public string? MaxMatches { get; set; }

        [YamlMember(Alias = "default_match")]
        public string? DefaultMatch { get; set; }
    }
}
