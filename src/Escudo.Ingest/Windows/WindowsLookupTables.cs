namespace Escudo.Ingest.Windows;

/// <summary>
/// The lookup tables of the Splunk Add-on for Sysmon and the Splunk Add-on for Microsoft Windows
/// that <see cref="WindowsFieldRules"/> reads: data, with the evidence of each (S1, S2, S3 as there).
/// </summary>
internal static class WindowsLookupTables
{
    /// <summary>Sysmon event descriptions (S1 lookups/eventcode.csv, extended with later Sysmon ids).</summary>
    public static readonly IReadOnlyDictionary<string, string> SysmonDescriptions = new Dictionary<string, string>
    {
        ["1"] = "Process Create",
        ["2"] = "File creation time changed",
        ["3"] = "Network connection detected",
        ["4"] = "Sysmon service state changed",
        ["5"] = "Process terminated",
        ["6"] = "Driver loaded",
        ["7"] = "Image loaded",
        ["8"] = "CreateRemoteThread detected",
        ["9"] = "RawAccessRead detected",
        ["10"] = "Process accessed",
        ["11"] = "File created",
        ["12"] = "Registry object added or deleted",
        ["13"] = "Registry value set",
        ["14"] = "Registry object renamed",
        ["15"] = "File stream created",
        ["16"] = "Sysmon config state changed",
        ["17"] = "Pipe Created",
        ["18"] = "Pipe Connected",
        ["19"] = "WmiEventFilter activity detected",
        ["20"] = "WmiEventConsumer activity detected",
        ["21"] = "WmiEventConsumerToFilter activity detected",
        ["22"] = "DNS query",
        ["23"] = "File Delete archived",
        ["24"] = "Clipboard changed",
        ["25"] = "Process Tampering",
        ["26"] = "File Delete logged",
        ["27"] = "File Block Executable",
        ["28"] = "File Block Shredding",
        ["29"] = "File Executable Detected",
        ["255"] = "Error",
    };

    /// <summary>Descriptions the Windows add-on's lookups give to common Security/System codes (used as signature).</summary>
    public static readonly IReadOnlyDictionary<string, string> WindowsDescriptions = new Dictionary<string, string>
    {
        ["4624"] = "An account was successfully logged on",
        ["4625"] = "An account failed to log on",
        ["4634"] = "An account was logged off",
        ["4648"] = "A logon was attempted using explicit credentials",
        ["4662"] = "An operation was performed on an object",
        ["4663"] = "An attempt was made to access an object",
        ["4672"] = "Special privileges assigned to new logon",
        ["4688"] = "A new process has been created",
        ["4689"] = "A process has exited",
        ["4697"] = "A service was installed in the system",
        ["4698"] = "A scheduled task was created",
        ["4699"] = "A scheduled task was deleted",
        ["4702"] = "A scheduled task was updated",
        ["4719"] = "System audit policy was changed",
        ["4720"] = "A user account was created",
        ["4726"] = "A user account was deleted",
        ["4728"] = "A member was added to a security-enabled global group",
        ["4732"] = "A member was added to a security-enabled local group",
        ["4738"] = "A user account was changed",
        ["4742"] = "A computer account was changed",
        ["4768"] = "A Kerberos authentication ticket (TGT) was requested",
        ["4769"] = "A Kerberos service ticket was requested",
        ["4771"] = "Kerberos pre-authentication failed",
        ["4776"] = "The computer attempted to validate the credentials for an account",
        ["5136"] = "A directory service object was modified",
        ["5140"] = "A network share object was accessed",
        ["5145"] = "A network share object was checked to see whether client can be granted desired access",
        ["1102"] = "The audit log was cleared",
        ["7045"] = "A service was installed in the system",
        ["7036"] = "The service entered a new state",
        ["7040"] = "The start type of a service was changed",
    };

    internal static readonly IReadOnlyDictionary<string, string> LogonTypeApp = new Dictionary<string, string>
    {
        ["2"] = "win:local",
        ["3"] = "win:remote",
        ["4"] = "win:batch",
        ["5"] = "win:service",
        ["7"] = "win:unlock",
        ["8"] = "win:remote",
        ["9"] = "win:local",
        ["10"] = "win:remote",
        ["11"] = "win:cached",
    };

    /// <summary>S3 lookups/windows_audit_changes.csv [seen]: EventCode → action, change_type, object_category.</summary>
    internal static readonly Dictionary<string, (string Action, string ChangeType, string ObjectCategory)> AuditChanges = new()
    {
        ["1100"] = ("stopped", "audit", "audit"),
        ["1102"] = ("cleared", "audit", "audit"),
        ["1101"] = ("success", "audit", "audit"),
        ["1108"] = ("success", "audit", "audit"),
        ["4720"] = ("created", "user", "user"),
        ["4741"] = ("created", "user", "user"),
        ["4722"] = ("modified", "AAA", "user"),
        ["4723"] = ("modified", "AAA", "user"),
        ["4724"] = ("modified", "AAA", "user"),
        ["4725"] = ("modified", "AAA", "user"),
        ["4726"] = ("deleted", "AAA", "user"),
        ["4743"] = ("deleted", "user", "user"),
        ["4738"] = ("modified", "AAA", "user"),
        ["4742"] = ("modified", "user", "user"),
        ["4740"] = ("modified", "user", "user"),
        ["4767"] = ("modified", "AAA", "user"),
        ["4781"] = ("modified", "AAA", "user"),
        ["4703"] = ("modified", "AAA", "user"),
        ["4704"] = ("modified", "AAA", "user"),
        ["4705"] = ("modified", "AAA", "user"),
        ["4719"] = (string.Empty, "audit", "audit"),
        ["4717"] = (string.Empty, "AAA", "security access"),
        ["4718"] = (string.Empty, "AAA", "security access"),
        ["4727"] = (string.Empty, "AAA", "global group"),
        ["4728"] = (string.Empty, "AAA", "user"),
        ["4729"] = (string.Empty, "AAA", "user"),
        ["4730"] = (string.Empty, "AAA", "global group"),
        ["4731"] = (string.Empty, "AAA", "local group"),
        ["4732"] = (string.Empty, "AAA", "user"),
        ["4733"] = (string.Empty, "AAA", "user"),
        ["4734"] = (string.Empty, "AAA", "local group"),
        ["4735"] = (string.Empty, "AAA", "local group"),
        ["4737"] = (string.Empty, "AAA", "global group"),
        ["4739"] = (string.Empty, "AAA", "global group"),
        ["4750"] = (string.Empty, "AAA", "global group"),
        ["4753"] = (string.Empty, "AAA", "global group"),
        ["4754"] = (string.Empty, "AAA", "universal group"),
        ["4755"] = (string.Empty, "AAA", "universal group"),
        ["4756"] = (string.Empty, "AAA", "user"),
        ["4757"] = (string.Empty, "AAA", "user"),
        ["4758"] = (string.Empty, "AAA", "universal group"),
        ["4764"] = (string.Empty, "AAA", "group"),
    };

    /// <summary>S3 lookups/xmlsecurity_change_audit_and_account_management.csv [seen]: EventCode → object_attrs, result.</summary>
    internal static readonly Dictionary<string, (string ObjectAttrs, string Result)> ChangeAuditAttrs = new()
    {
        ["1100"] = ("service", string.Empty),
        ["1102"] = ("registry", string.Empty),
        ["4720"] = (string.Empty, "account was created"),
        ["4741"] = ("computer account", "account was created"),
        ["4722"] = ("account", "A user account was enabled"),
        ["4723"] = ("account", "An attempt was made to change an account's password"),
        ["4724"] = ("account", "An attempt was made to reset an account's password"),
        ["4725"] = ("account", "A user account was disabled"),
        ["4726"] = ("account", "A user account was deleted"),
        ["4743"] = ("computer account", "account was deleted"),
        ["4738"] = ("account", "A user account was changed"),
        ["4742"] = ("computer account", "account was changed"),
        ["4740"] = (string.Empty, "lockout"),
        ["4767"] = ("account", "A user account was unlocked"),
        ["1101"] = ("transport", string.Empty),
        ["1108"] = ("Microsoft-Windows-Security-Auditing", string.Empty),
        ["4719"] = ("Kerberos Authentication Service", string.Empty),
        ["4717"] = (string.Empty, "access was granted"),
        ["4718"] = (string.Empty, "account was removed"),
        ["4727"] = (string.Empty, "group was created"),
        ["4728"] = (string.Empty, "member was added to a security-enabled global group"),
        ["4729"] = (string.Empty, "member was removed from a security-enabled global group"),
        ["4730"] = (string.Empty, "group was deleted"),
        ["4731"] = (string.Empty, "group was created"),
        ["4732"] = (string.Empty, "member was added to a security-enabled local group"),
        ["4733"] = (string.Empty, "member was removed from a security-enabled local group"),
        ["4734"] = (string.Empty, "group was deleted"),
        ["4735"] = (string.Empty, "group was changed"),
        ["4737"] = (string.Empty, "group was changed"),
        ["4739"] = ("domain policy", "Domain Policy was changed"),
        ["4750"] = (string.Empty, "group was changed"),
        ["4753"] = (string.Empty, "group was deleted"),
        ["4754"] = (string.Empty, "group was created"),
        ["4755"] = (string.Empty, "group was changed"),
        ["4756"] = (string.Empty, "member was added to a security-enabled universal group"),
        ["4757"] = (string.Empty, "member was removed from a security-enabled universal group"),
        ["4758"] = (string.Empty, "group was deleted"),
        ["4764"] = (string.Empty, "group was deleted"),
        ["4781"] = ("account", "The name of an account was changed"),
        ["4703"] = ("account", "A token right was adjusted"),
        ["4704"] = ("account", "A user right was assigned"),
        ["4705"] = ("account", "A user right was removed"),
    };

    /// <summary>
    /// S3 <c>windows_action_lookup Type AS Keywords OUTPUTNEW action, action AS status</c>: the lookup
    /// file is not saved; the audit-success / audit-failure keyword bits are read as such [inferred].
    /// </summary>
    internal static readonly Dictionary<string, string> KeywordsAction = new(StringComparer.OrdinalIgnoreCase)
    {
        ["0x8020000000000000"] = "success",
        ["0x8010000000000000"] = "failure",
    };

    internal static readonly Dictionary<string, string> TokenElevationIds = new() { ["%%1936"] = "1", ["%%1937"] = "2", ["%%1938"] = "3" };

    /// <summary>System 7045 StartType / 7040 param3 → CIM start_mode (S3 windows_start_mode_lookup, file not saved: values inferred).</summary>
    internal static readonly Dictionary<string, string> StartModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["auto start"] = "auto",
        ["demand start"] = "manual",
        ["disabled"] = "disabled",
        ["boot start"] = "boot",
        ["system start"] = "system",
    };
}
