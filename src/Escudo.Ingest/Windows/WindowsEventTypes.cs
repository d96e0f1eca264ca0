using Escudo.Core.Events;

namespace Escudo.Ingest.Windows;

/// <summary>
/// Eventtypes and their tags, which decide the CIM data model datasets an event lands in. Sysmon:
/// S1 eventtypes.conf/tags.conf, extended for the ids of Sysmon 4.x as S2's field lists suggest.
/// Windows: S3 (Splunk_TA_windows 8.4.0) eventtypes.conf with the tags of its tags.conf, transcribed
/// stanza by stanza (legacy pre-Vista codes and non-event-log sourcetypes left out).
/// <para>Deliberate departures, decided for Escudo and marked "deviation" below:</para>
/// <list type="bullet">
/// <item>Endpoint.Processes holds process creations only (Sysmon 1, Security 4688): the other Sysmon
/// process events get <c>process</c> without <c>report</c>, and S3's <c>windows_endpoint_processes</c>
/// (4688, 4689, 4696, 4673, 4674 → process report) keeps <c>report</c> for 4688 only.</item>
/// <item>S3's <c>wineventlog_windows</c> gives <c>endpoint filesystem</c> to nearly every Security,
/// System and Application event, which would fill Endpoint.Filesystem with non-file events; Escudo
/// leaves that eventtype out (its <c>os windows</c> come from the channel eventtypes), so Filesystem
/// holds Sysmon 2, 11, 23 and 26.</item>
/// </list>
/// </summary>
internal static class WindowsEventTypes
{
    private const string Sysmon = WindowsFieldRules.Sysmon;
    private const string Security = WindowsFieldRules.Security;
    private const string System = WindowsFieldRules.System;

    private static readonly int StatusId = FieldTable.Intern("Status");
    private static readonly int TaActionId = FieldTable.Intern("ta_windows_action");
    private static readonly int ObjectTypeId = FieldTable.Intern("ObjectType");
    private static readonly int TaskId = FieldTable.Intern("Task");

    /// <summary>S3 windows_audit_log_logon: the 4625 statuses that also count as audit changes.</summary>
    private static readonly string[] AuditLogonStatuses =
        ["0xC0000064", "0xC000006A", "0xC000006F", "0xC0000070", "0xC0000071", "0xC0000072", "0xC000018C", "0xC0000192", "0xC0000193", "0xC0000234", "0xC00002EE", "0xC0000413"];

    /// <summary>
    /// The Security tasks of the "Account Management" category (User, Computer, Security Group,
    /// Distribution Group, Application Group, Other Account Management). S3 matches
    /// <c>ta_windows_security_CategoryString="Account Management"</c> from its signature lookup, which
    /// is not saved; the category is read off the event's Task instead [inferred].
    /// </summary>
    private static readonly string[] AccountManagementTasks = ["13824", "13825", "13826", "13827", "13828", "13829"];

    private static Func<Row, bool> FieldIn(int id, string[] values) => r =>
    {
        var s = r.Get(id).FirstString();
        return s is not null && values.Any(v => v.Equals(s, StringComparison.OrdinalIgnoreCase));
    };

    private static Func<Row, bool> FieldNot(int id, string value) => r => !string.Equals(r.Get(id).FirstString(), value, StringComparison.OrdinalIgnoreCase);

    public static IReadOnlyList<EventTypeRule> Rules { get; } =
    [
        // Every XmlWinEventLog event (S3 windows_event_signature: sourcetype=XmlWinEventLog).
        new("windows_event_signature", null, null, ["track_event_signatures"], "S3 eventtypes.conf/tags.conf"),

        // Sysmon (S1 ms-sysmon-*).
        new("ms-sysmon-process", Sysmon, [1], ["process", "report", "execute", "start"], "S1 ms-sysmon-process (process report); execute/start as S3 windows_process_new [inferred]"),
        new("ms-sysmon-process", Sysmon, [5, 6, 7, 8, 9, 10, 15, 17, 18, 25], ["process"], "S1 ms-sysmon-process without report (deviation: Processes = creations only); 7 and 25 inferred from S2 lists"),
        new("ms-sysmon-network", Sysmon, [3], ["network", "communicate", "port", "listening"], "S1"),
        new("ms-sysmon-filemod", Sysmon, [2, 11, 23, 26], ["change", "endpoint", "filesystem"], "S1 (2, 11); 23 and 26 inferred from S2 list for 23"),
        new("ms-sysmon-regmod", Sysmon, [12, 13, 14], ["change", "endpoint", "registry"], "S1"),
        new("ms-sysmon-wmimod", Sysmon, [19, 20, 21], ["change", "endpoint"], "S1"),
        new("ms-sysmon-dns", Sysmon, [22], ["network", "resolution", "dns"], "S1"),

        // Windows channels (S3).
        new("wineventlog_security", Security, null, ["os", "windows"], "S3"),
        new("wineventlog_system", System, null, ["os", "windows"], "S3"),
        new("wineventlog_application", "Application", null, ["os", "windows"], "S3"),

        // Security: Account Logon.
        new("windows_auth_ticket_granted", Security, [4768], ["authentication"], "S3"),
        new("windows_service_ticket_granted", Security, [4769, 4773], ["authentication"], "S3"),
        new("windows_pre_auth_failed", Security, [4771], ["authentication"], "S3"),
        new("windows_account_mapped", Security, [4774], ["authentication"], "S3"),
        new("windows_account_notmapped", Security, [4775], ["authentication"], "S3"),
        new("windows_account_used4logon", Security, [4776, 4777], ["authentication"], "S3"),
        new("windows_session_disconnected", Security, [4779], ["access", "stop", "logoff"], "S3"),

        // Security: Account Management.
        new("windows_account_management", Security, null, ["account", "change", "management"], "S3 (category read off Task [inferred])", FieldIn(TaskId, AccountManagementTasks)),
        new("windows_account_created", Security, [4720, 4741], ["add", "account", "change"], "S3"),
        new("windows_account_enabled", Security, [4722], ["enable", "account", "change"], "S3"),
        new("windows_account_password_change", Security, [4723], ["password", "modify", "account", "change"], "S3"),
        new("windows_account_password_set", Security, [4724], ["password", "modify", "account", "change"], "S3"),
        new("windows_account_disabled", Security, [4725], ["disable", "account", "change"], "S3"),
        new("windows_account_deleted", Security, [4726, 4743], ["delete", "account", "change"], "S3"),
        new("windows_account_modified", Security, [4738, 4742], ["modify", "account", "change"], "S3"),
        new("windows_account_lockout", Security, [4740], ["lock", "lockout", "account", "change"], "S3"),
        new("windows_account_unlocked", Security, [4767], ["modify", "account", "change"], "S3"),
        new("windows_security_change_account", Security, [4703, 4704, 4705, 4722, 4723, 4724, 4725, 4726, 4738, 4767, 4781], ["change", "account"], "S3 (ADDON-42191)"),

        // Security: Audit.
        new("windows_audit_log_stopped", Security, [1100], ["audit", "change", "endpoint", "stop", "stopped", "watchlist"], "S3"),
        new("windows_audit_errors", Security, [1101, 1104, 1108], ["audit", "error"], "S3"),
        new("windows_audit_log_cleared", Security, [1102], ["audit", "change", "delete", "endpoint", "cleared", "watchlist"], "S3"),
        new("windows_audit_backup", Security, [1105], ["audit", "backup", "change"], "S3"),
        new("windows_audit_log_logon", Security, [4625], ["audit", "change"], "S3 (ta_windows_status = Status in the listed codes)", FieldIn(StatusId, AuditLogonStatuses)),
        new("windows_security_change_audit", Security, [1101, 1108], ["change", "audit"], "S3"),
        new("windows_security_change", Security, [5461], ["change"], "S3"),

        // Security: Logon/Logoff.
        new("windows_logoff", Security, [4634, 4647], ["access", "stop", "logoff"], "S3"),
        new("windows_logon_explicit", Security, [4648], ["authentication", "privileged"], "S3"),
        new("windows_logon_failure", Security, [4625], ["authentication"], "S3 (4625 AND ta_windows_action!=error)", FieldNot(TaActionId, "error")),
        new("windows_logon_success", Security, [4624], ["authentication"], "S3"),
        new("windows_security_authentication", Security, [4801], ["authentication"], "S3"),

        // Security: Object Access.
        new("windows_object_open", Security, [4656], ["resource", "file", "access", "start"], "S3"),
        new("windows_handle_closed", Security, [4658], ["resource", "file", "access", "stop"], "S3"),

        // Security: Policy Change.
        new("windows_audit_policy_change", Security, [4715, 4719], ["policy", "configuration", "modify", "audit", "change"], "S3"),
        new("windows_security_access_granted", Security, [4717], ["access", "authorization", "add", "change", "account"], "S3"),
        new("windows_security_access_removed", Security, [4718], ["access", "authorization", "delete", "change", "account"], "S3"),
        new("windows_audit_policy_changed", Security, [4912], ["policy", "configuration", "modify", "audit", "change"], "S3"),
        new("windows_firewall_policy_change", Security, [4946, 4947, 4948], ["application", "firewall", "configuration", "modify"], "S3"),
        new("windows_firewall_port_listening", Security, [4957], ["application", "firewall", "port", "listening", "report"], "S3"),

        // Security: Privilege Use, Process Tracking, System.
        new("windows_special_privileges", Security, [4672], ["authentication", "privileged"], "S3"),
        new("windows_privileged_service_call", Security, [4673], ["process", "execute", "start", "privileged"], "S3"),
        new("windows_privileged_object_operation", Security, [4674], ["resource", "execute", "start", "privileged"], "S3"),
        new("windows_process_new", Security, [4688], ["process", "execute", "start"], "S3"),
        new("windows_process_exit", Security, [4689], ["process", "execute", "stop"], "S3"),
        new("windows_process_token", Security, [4696], ["process", "execute", "start", "privileged"], "S3"),
        new("windows_auth_package", Security, [4610], ["process", "execute", "start"], "S3"),
        new("windows_logon_process", Security, [4611], ["process", "authorization", "add"], "S3"),
        new("windows_notification_package", Security, [4614], ["process", "execute", "start"], "S3"),

        // Security-CIM mappings.
        new("windows_endpoint_processes", Security, [4688], ["process", "report"], "S3 (deviation: 4689, 4696, 4673, 4674 left out: Processes = creations only)"),
        new("windows_endpoint_services", Security, [1100, 4697, 5024, 5025, 5030, 5033, 5034, 5035, 5478, 7036, 7040, 7045], ["service", "report"], "S3"),
        new("windows_endpoint_services", System, [1100, 4697, 5024, 5025, 5030, 5033, 5034, 5035, 5478, 7036, 7040, 7045], ["service", "report"], "S3"),
        new("windows_security_endpoint_registry", Security, [4657], ["endpoint", "registry"], "S3"),
        new("windows_security_endpoint_registry", Security, [4670], ["endpoint", "registry"], "S3 (4670 AND ObjectType=Registry)", FieldIn(ObjectTypeId, ["Registry"])),
        new("windows_security_endpoint_port", Security, [5158], ["listening", "port"], "S3"),
    ];
}
