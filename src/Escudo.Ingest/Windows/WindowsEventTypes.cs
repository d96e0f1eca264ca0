namespace Escudo.Ingest.Windows;

/// <summary>
/// Eventtypes and their tags (S1 eventtypes.conf/tags.conf for Sysmon, S3 for Windows), which
/// decide the CIM data model datasets an event lands in. Sysmon process events other than
/// Process Create get <c>process</c> but not <c>report</c>, so that Endpoint.Processes holds
/// process creations only (Sysmon 1 and Security 4688), as add-on 4.x places them [inferred].
/// </summary>
public static class WindowsEventTypes
{
    public static IReadOnlyList<EventTypeRule> Rules { get; } =
    [
        new("ms-sysmon-process", WindowsFieldRules.Sysmon, [1], ["process", "report", "execute", "start"], "S1 (4.x: Process Create only)"),
        new("ms-sysmon-process", WindowsFieldRules.Sysmon, [5, 6, 8, 9, 10, 15, 17, 18, 25], ["process"], "S1 ms-sysmon-process, without report [inferred for 4.x]"),
        new("ms-sysmon-network", WindowsFieldRules.Sysmon, [3], ["network", "communicate", "port", "listening"], "S1"),
        new("ms-sysmon-filemod", WindowsFieldRules.Sysmon, [2, 11, 23, 26], ["change", "endpoint", "filesystem"], "S1 (23/26 inferred)"),
        new("ms-sysmon-regmod", WindowsFieldRules.Sysmon, [12, 13, 14], ["change", "endpoint", "registry"], "S1"),
        new("ms-sysmon-wmimod", WindowsFieldRules.Sysmon, [19, 20, 21], ["change", "endpoint"], "S1"),
        new("ms-sysmon-dns", WindowsFieldRules.Sysmon, [22], ["network", "resolution", "dns"], "S1"),
        new("wineventlog_security", WindowsFieldRules.Security, null, ["os", "windows"], "S3"),
        new("windows_endpoint_processes", WindowsFieldRules.Security, [4688, 4689], ["process", "report"], "S3 (4696/4673/4674 left out: they are not process creations)"),
        new("windows_process_new", WindowsFieldRules.Security, [4688], ["process", "execute", "start"], "S3"),
        new("windows_logon_success", WindowsFieldRules.Security, [4624], ["authentication"], "S3"),
        new("windows_logon_failure", WindowsFieldRules.Security, [4625], ["authentication"], "S3"),
        new("windows_security_auth", WindowsFieldRules.Security, [4768, 4769, 4771, 4776, 4648], ["authentication"], "S3 (inferred for the Kerberos/NTLM ids)"),
        new("windows_endpoint_services", WindowsFieldRules.Security, [4697], ["service", "report"], "S3"),
        new("windows_account_management", WindowsFieldRules.Security, [4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4767, 4781, 4728, 4732, 4756], ["change", "account"], "S3"),
        new("windows_security_endpoint_registry", WindowsFieldRules.Security, [4657], ["endpoint", "registry"], "S3"),
        new("wineventlog_system", WindowsFieldRules.System, null, ["os", "windows"], "S3"),
        new("windows_endpoint_services", WindowsFieldRules.System, [7036, 7040, 7045], ["service", "report"], "S3"),
    ];
}
