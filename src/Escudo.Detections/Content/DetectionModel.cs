using YamlDotNet.Serialization;

namespace Escudo.Detections.Content;

// The ESCU detection YAML schema (shared/reference/ESCU_ANALYSIS.md §2), as YamlDotNet
// deserialises it. Unknown keys are ignored; every list may be missing.

public sealed class Detection
{
    public string Name { get; set; } = string.Empty;

    public string Id { get; set; } = string.Empty;

    public int Version { get; set; }

    public string? Date { get; set; }

    public string? Author { get; set; }

    public string Status { get; set; } = "production";

    public string Type { get; set; } = "TTP";

    public string? Description { get; set; }

    [YamlMember(Alias = "data_source")]
    public List<string>? DataSource { get; set; }

    [YamlMember(Alias = "data_sources")]
    public List<string>? DataSources { get; set; }

    public string Search { get; set; } = string.Empty;

    [YamlMember(Alias = "how_to_implement")]
    public string? HowToImplement { get; set; }

    [YamlMember(Alias = "known_false_positives")]
    public string? KnownFalsePositives { get; set; }

    public List<string>? References { get; set; }

    [YamlMember(Alias = "drilldown_searches")]
    public List<DrilldownSearch>? DrilldownSearches { get; set; }

    public DetectionTags Tags { get; set; } = new();

    public List<DetectionTest>? Tests { get; set; }

    public RbaBlock? Rba { get; set; }

    /// <summary>The file, relative to the content folder (set by the loader).</summary>
    [YamlIgnore]
    public string File { get; set; } = string.Empty;

    [YamlIgnore]
    public IReadOnlyList<string> AllDataSources => [.. DataSource ?? [], .. DataSources ?? []];

    /// <summary>ESCU's per-detection filter macro name: the name lower-cased, spaces and dashes to underscores, + _filter.</summary>
    [YamlIgnore]
    public string FilterMacro => new string(Name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray()) + "_filter";

    [YamlIgnore]
    public bool IsDeprecated => File.Contains("/deprecated/", StringComparison.Ordinal) || Status.Equals("deprecated", StringComparison.OrdinalIgnoreCase);
}

public sealed class DrilldownSearch
{
    public string Name { get; set; } = string.Empty;

    public string Search { get; set; } = string.Empty;

    [YamlMember(Alias = "earliest_offset")]
    public string? EarliestOffset { get; set; }

    [YamlMember(Alias = "latest_offset")]
    public string? LatestOffset { get; set; }
}

public sealed class DetectionTags
{
    [YamlMember(Alias = "analytic_story")]
    public List<string>? AnalyticStory { get; set; }

    [YamlMember(Alias = "asset_type")]
    public string? AssetType { get; set; }

    public double? Confidence { get; set; }

    public double? Impact { get; set; }

    public string? Message { get; set; }

    [YamlMember(Alias = "mitre_attack_id")]
    public List<string>? MitreAttackId { get; set; }

    public List<Observable>? Observable { get; set; }

    public List<string>? Product { get; set; }

    [YamlMember(Alias = "required_fields")]
    public List<string>? RequiredFields { get; set; }

    [YamlMember(Alias = "risk_score")]
    public double? RiskScore { get; set; }

    [YamlMember(Alias = "security_domain")]
    public string? SecurityDomain { get; set; }

    public List<string>? Cve { get; set; }

    [YamlMember(Alias = "manual_test")]
    public string? ManualTest { get; set; }
}

public sealed class Observable
{
    public string Name { get; set; } = string.Empty;

    public string Type { get; set; } = string.Empty;

    public List<string>? Role { get; set; }
}

public sealed class DetectionTest
{
    public string Name { get; set; } = string.Empty;

    [YamlMember(Alias = "attack_data")]
    public List<AttackData>? AttackData { get; set; }

    /// <summary>Escudo extension: the detection must return no result on these datasets (a false-positive regression test).</summary>
    [YamlMember(Alias = "must_not_fire")]
    public bool MustNotFire { get; set; }
}

public sealed class AttackData
{
    public string Data { get; set; } = string.Empty;

    public string? Source { get; set; }

    public string? Sourcetype { get; set; }

    [YamlMember(Alias = "update_timestamp")]
    public string? UpdateTimestamp { get; set; }

    [YamlIgnore]
    public bool ShiftTimes => string.Equals(UpdateTimestamp, "true", StringComparison.OrdinalIgnoreCase) || string.Equals(UpdateTimestamp, "trues", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Newer ESCU's rba block: message, risk objects and threat objects.</summary>
public sealed class RbaBlock
{
    public string? Message { get; set; }

    [YamlMember(Alias = "risk_objects")]
    public List<RbaObject>? RiskObjects { get; set; }

    [YamlMember(Alias = "threat_objects")]
    public List<RbaObject>? ThreatObjects { get; set; }
}

public sealed class RbaObject
{
    public string Field { get; set; } = string.Empty;

    public string Type { get; set; } = string.Empty;

    public double? Score { get; set; }
}
