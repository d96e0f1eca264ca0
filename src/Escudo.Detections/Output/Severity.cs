namespace Escudo.Detections.Output;

/// <summary>Severity and risk-object type rules shared by notable and risk output.</summary>
internal static class Severity
{
    /// <summary>ESCU's contentctl maps risk score to severity: under 20 informational, 20-39 low, 40-59 medium, 60-79 high, 80+ critical.</summary>
    public static string FromRiskScore(double score) => score switch
    {
        < 20 => "informational",
        < 40 => "low",
        < 60 => "medium",
        < 80 => "high",
        _ => "critical",
    };

    /// <summary>Enterprise Security's risk object types: system, user or other.</summary>
    public static string RiskObjectType(string observableType) => observableType.ToLowerInvariant() switch
    {
        "user" or "user name" or "email address" => "user",
        "hostname" or "endpoint" or "ip address" or "ip" or "system" or "device" => "system",
        _ => "other",
    };
}
