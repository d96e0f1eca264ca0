using Escudo.Core.Events;
using Escudo.Core.Values;
using static Escudo.Ingest.Windows.FieldExpr;

namespace Escudo.Ingest.Windows;

/// <summary>
/// The search-time calculated fields of the Splunk Add-on for Sysmon and the Splunk Add-on for
/// Microsoft Windows, as a table. Read it beside shared/reference/FIELD_MAPPING.md: evidence S1
/// is TA-microsoft-sysmon 10.6.2's props.conf, S2 Splunk's data_sources field lists for add-on
/// 4.0.2 / 8.9.0, S3 Splunk_TA_windows 8.4.0. "inferred" marks rules no file confirms.
/// </summary>
public static class WindowsFieldRules
{
    public const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
    public const string Security = "Security";
    public const string System = "System";
    public const string PowerShell = "Microsoft-Windows-PowerShell/Operational";

    private static readonly int[] SysmonImageEvents = [1, 2, 3, 5, 7, 9, 11, 12, 13, 14, 15, 17, 18, 22, 23, 24, 25, 26, 27, 28, 29];
    private static readonly int[] SysmonSourceImageEvents = [8, 10];
    private static readonly int[] Registry = [12, 13, 14];
    private static readonly int[] FileEvents = [2, 11, 15, 23, 26, 27, 28, 29];

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

    private static readonly IReadOnlyDictionary<string, string> LogonTypeApp = new Dictionary<string, string>
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

    private static Func<Row, Value> RegistryValueType()
    {
        var details = FieldTable.Intern("Details");
        return r =>
        {
            var s = r.Get(details).FirstString();
            if (s is null)
            {
                return Value.Null;
            }

            if (s.StartsWith("DWORD", StringComparison.Ordinal))
            {
                return Value.FromString("REG_DWORD");
            }

            if (s.StartsWith("QWORD", StringComparison.Ordinal))
            {
                return Value.FromString("REG_QWORD");
            }

            if (s.StartsWith("Binary Data", StringComparison.Ordinal))
            {
                return Value.FromString("REG_BINARY");
            }

            return Value.FromString("REG_SZ");
        };
    }

    private static Func<Row, Value> RegistryHive()
    {
        var target = FieldTable.Intern("TargetObject");
        return r =>
        {
            var s = r.Get(target).FirstString();
            if (s is null)
            {
                return Value.Null;
            }

            var first = s.Split('\\', 2)[0].ToUpperInvariant();
            return first switch
            {
                "HKLM" or "HKEY_LOCAL_MACHINE" => Value.FromString("HKEY_LOCAL_MACHINE"),
                "HKU" or "HKEY_USERS" => Value.FromString("HKEY_USERS"),
                "HKCU" or "HKEY_CURRENT_USER" => Value.FromString("HKEY_CURRENT_USER"),
                "HKCR" or "HKEY_CLASSES_ROOT" => Value.FromString("HKEY_CLASSES_ROOT"),
                "HKCC" or "HKEY_CURRENT_CONFIG" => Value.FromString("HKEY_CURRENT_CONFIG"),
                _ => Value.Null,
            };
        };
    }

    /// <summary>Sysmon 12 EventType → action (S1 EVAL-action).</summary>
    private static Func<Row, Value> RegistryAction()
    {
        var code = FieldTable.Intern("EventCode");
        var type = FieldTable.Intern("EventType");
        return r =>
        {
            var t = r.Get(type).FirstString();
            return (r.Get(code).FirstString(), t) switch
            {
                ("12", "CreateKey") => Value.FromString("created"),
                ("12", "DeleteKey") or ("12", "DeleteValue") => Value.FromString("deleted"),
                ("13", _) => Value.FromString("modified"),
                ("14", _) => Value.FromString("modified"),
                _ => Value.Null,
            };
        };
    }

    /// <summary>
    /// S3: process for 4688 = the command line when its first token has a backslash, else the
    /// full NewProcessName (quoted if it has spaces) followed by the arguments.
    /// </summary>
    private static Func<Row, Value> Process4688()
    {
        var cmd = FieldTable.Intern("CommandLine");
        var name = FieldTable.Intern("NewProcessName");
        return r =>
        {
            var commandLine = r.Get(cmd).FirstString();
            var newProcess = r.Get(name).FirstString();
            if (string.IsNullOrEmpty(commandLine))
            {
                return Value.FromString(newProcess);
            }

            var trimmed = commandLine.TrimStart();
            string first;
            string rest;
            if (trimmed.StartsWith('"'))
            {
                var close = trimmed.IndexOf('"', 1);
                first = close > 0 ? trimmed[..(close + 1)] : trimmed;
                rest = close > 0 ? trimmed[(close + 1)..].TrimStart() : string.Empty;
            }
            else
            {
                var sp = trimmed.IndexOf(' ');
                first = sp > 0 ? trimmed[..sp] : trimmed;
                rest = sp > 0 ? trimmed[(sp + 1)..] : string.Empty;
            }

            if (first.Contains('\\') || newProcess is null)
            {
                return Value.FromString(commandLine);
            }

            var head = newProcess.Contains(' ') ? "\"" + newProcess + "\"" : newProcess;
            return Value.FromString(rest.Length > 0 ? head + " " + rest : head);
        };
    }

    private static Func<Row, Value> Direction()
    {
        var initiated = FieldTable.Intern("Initiated");
        return r => r.Get(initiated).FirstString() is { } s ? Value.FromString(s.Equals("true", StringComparison.OrdinalIgnoreCase) ? "outbound" : "inbound") : Value.Null;
    }

    private static Func<Row, Value> Protocol()
    {
        var initiated = FieldTable.Intern("Initiated");
        var destName = FieldTable.Intern("DestinationPortName");
        var srcName = FieldTable.Intern("SourcePortName");
        return r => string.Equals(r.Get(initiated).FirstString(), "true", StringComparison.OrdinalIgnoreCase) ? r.Get(destName) : r.Get(srcName);
    }

    private static Func<Row, Value> LastSegment(string raw)
    {
        var id = FieldTable.Intern(raw);
        return r =>
        {
            var s = r.Get(id).FirstString();
            if (s is null)
            {
                return Value.Null;
            }

            var i = s.LastIndexOf('\\');
            return Value.FromString(i >= 0 ? s[(i + 1)..] : s);
        };
    }

    private static Func<Row, Value> AuthAction()
    {
        var code = FieldTable.Intern("EventCode");
        return r => r.Get(code).FirstString() switch
        {
            "4624" or "4648" or "4768" or "4769" => Value.FromString("success"),
            "4625" or "4771" => Value.FromString("failure"),
            "4776" => Value.Null,
            _ => Value.Null,
        };
    }

    private static Func<Row, Value> Action4776()
    {
        var status = FieldTable.Intern("Status");
        return r => r.Get(status).FirstString() is { } s ? Value.FromString(s == "0x0" ? "success" : "failure") : Value.Null;
    }

    public static IReadOnlyList<FieldRule> Rules { get; } =
    [
        // Every Sysmon event (S1 FIELDALIAS/EVAL under [source::XmlWinEventLog:Microsoft-Windows-Sysmon/Operational]).
        new(Sysmon, null, "signature_id", Alias("EventCode"), "S1 FIELDALIAS-signature_id"),
        new(Sysmon, null, "signature", Lookup("EventCode", SysmonDescriptions), "S1 LOOKUP-eventcode"),
        new(Sysmon, null, "EventDescription", Lookup("EventCode", SysmonDescriptions), "S1 LOOKUP-eventcode"),
        new(Sysmon, null, "vendor_product", Const("Microsoft Sysmon"), "S1 EVAL-vendor_product"),
        new(Sysmon, null, "dvc", Alias("Computer"), "S1 FIELDALIAS-dvc"),
        new(Sysmon, null, "dest", Alias("Computer"), "S2 fm (4.0.2) Computer -> dest; inferred for ids without a mapping block"),
        new(Sysmon, null, "user", UserWithoutDomain("User"), "S1 REPORT User_as_user"),
        new(Sysmon, null, "user_id", Alias("UserID"), "S1 FIELDALIAS-user_id"),
        new(Sysmon, null, "process_guid", Alias("ProcessGuid"), "S1"),
        new(Sysmon, null, "process_id", Alias("ProcessId"), "S1"),
        new(Sysmon, SysmonImageEvents, "process_path", Alias("Image"), "S1 FIELDALIAS-process_path"),
        new(Sysmon, SysmonSourceImageEvents, "process_path", Alias("SourceImage"), "inferred from S2 list (EID 8/10)"),
        new(Sysmon, SysmonSourceImageEvents, "process_guid", Alias("SourceProcessGuid"), "inferred from S2 list (EID 8/10)"),
        new(Sysmon, SysmonSourceImageEvents, "process_id", Alias("SourceProcessId"), "inferred from S2 list (EID 8/10)"),
        new(Sysmon, SysmonImageEvents, "process_name", FileName("Image"), "S1 EVAL-process_name"),
        new(Sysmon, SysmonSourceImageEvents, "process_name", FileName("SourceImage"), "S1 EVAL-process_name (8/10 use SourceImage)"),
        new(Sysmon, [6], "process_name", Const("System"), "S1 EVAL-process_name"),
        new(Sysmon, SysmonImageEvents, "process_exec", FileName("Image"), "S1 EVAL-process_exec"),
        new(Sysmon, SysmonSourceImageEvents, "process_exec", FileName("SourceImage"), "S1 EVAL-process_exec"),
        new(Sysmon, [1, 5], "process", Coalesce(Alias("CommandLine"), Alias("Image")), "S1 FIELDALIAS-process = CommandLine; 5 has no command line (inferred: Image)"),
        new(Sysmon, [1], "parent_process", Alias("ParentCommandLine"), "S1 FIELDALIAS-parent_process"),
        new(Sysmon, [1], "parent_process_path", Alias("ParentImage"), "S1"),
        new(Sysmon, [1], "parent_process_name", FileName("ParentImage"), "S1 EVAL-parent_process_name"),
        new(Sysmon, [1], "parent_process_exec", FileName("ParentImage"), "S1"),
        new(Sysmon, [1], "parent_process_id", Alias("ParentProcessId"), "S1"),
        new(Sysmon, [1], "parent_process_guid", Alias("ParentProcessGuid"), "S1"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_path", Alias("TargetImage"), "inferred from S2 list (EID 10 carries parent_process_*)"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_name", FileName("TargetImage"), "inferred from S2 list"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_guid", Alias("TargetProcessGuid"), "inferred from S2 list"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_id", Alias("TargetProcessId"), "inferred from S2 list"),
        new(Sysmon, [1], "process_current_directory", Alias("CurrentDirectory"), "S1"),
        new(Sysmon, [1], "process_integrity_level", Alias("IntegrityLevel"), "S1"),
        new(Sysmon, [1], "original_file_name", Alias("OriginalFileName"), "S2 fm"),
        new(Sysmon, [7], "original_file_name", Alias("OriginalFileName"), "inferred (raw field)"),
        new(Sysmon, null, "process_hash", Alias("Hashes"), "S1 FIELDALIAS-process_hash"),
        new(Sysmon, null, "MD5", Hash("Hashes", "MD5"), "S1 [sysmon-md5]"),
        new(Sysmon, null, "SHA1", Hash("Hashes", "SHA1"), "S1 [sysmon-sha1]"),
        new(Sysmon, null, "SHA256", Hash("Hashes", "SHA256"), "S1 [sysmon-sha256]"),
        new(Sysmon, null, "IMPHASH", Hash("Hashes", "IMPHASH"), "S1 [sysmon-imphash]"),
        new(Sysmon, [1], "action", Const("allowed"), "S1 EVAL-action"),
        new(Sysmon, [3], "action", Const("allowed"), "inferred (S2 list has action for EID 3)"),
        new(Sysmon, [11], "action", Const("created"), "S1 EVAL-action (File created)"),
        new(Sysmon, [23, 26], "action", Const("deleted"), "inferred (S2 list for 23 has action)"),
        new(Sysmon, [7], "action", Const("loaded"), "inferred (S2 list for 7 has action)"),
        new(Sysmon, Registry, "action", RegistryAction(), "S1 EVAL-action"),

        // Sysmon 3 network connection (S1).
        new(Sysmon, [3], "src_ip", Alias("SourceIp"), "S1"),
        new(Sysmon, [3], "src_port", Alias("SourcePort"), "S1"),
        new(Sysmon, [3], "src_host", Present("SourceHostname"), "S1"),
        new(Sysmon, [3], "src", Coalesce(Present("SourceHostname"), Alias("SourceIp")), "S1 EVAL-src"),
        new(Sysmon, [3], "dest_ip", Alias("DestinationIp"), "S1"),
        new(Sysmon, [3], "dest_port", Alias("DestinationPort"), "S1"),
        new(Sysmon, [3], "dest_host", Present("DestinationHostname"), "S1"),
        new(Sysmon, [3], "transport", Alias("Protocol"), "S1 FIELDALIAS-transport"),
        new(Sysmon, [3], "direction", Direction(), "S1 EVAL-direction"),
        new(Sysmon, [3], "protocol", Protocol(), "S1 EVAL-protocol"),
        new(Sysmon, [3], "app", Alias("Image"), "S1 FIELDALIAS-app"),
        new(Sysmon, [3], "session_id", Alias("ProcessGuid"), "S1"),
        new(Sysmon, [3], "creation_time", Alias("UtcTime"), "S1 EVAL-creation_time"),

        // Sysmon file events.
        new(Sysmon, FileEvents, "file_path", Alias("TargetFilename"), "S1 FIELDALIAS-file_path"),
        new(Sysmon, FileEvents, "file_name", FileName("TargetFilename"), "S1 [sysmon-filename]"),
        new(Sysmon, [2, 11, 15], "file_create_time", Alias("CreationUtcTime"), "S1"),
        new(Sysmon, [2], "file_modify_time", Alias("PreviousCreationUtcTime"), "inferred"),
        new(Sysmon, [15], "file_hash", Alias("Hash"), "inferred (S2 list)"),
        new(Sysmon, [23, 26], "file_hash", Alias("Hashes"), "inferred (S2 list)"),
        new(Sysmon, FileEvents, "object_category", Const("file"), "S1 EVAL-object_category"),

        // Sysmon registry events.
        new(Sysmon, Registry, "registry_path", Alias("TargetObject"), "S1 EVAL-registry_path; S2 fm"),
        new(Sysmon, [12, 13], "object_path", Alias("TargetObject"), "S1 EVAL-object_path"),
        new(Sysmon, [14], "object_path", Alias("NewName"), "S1 EVAL-object_path"),
        new(Sysmon, Registry, "registry_key_name", LastSegment("TargetObject"), "S1 EVAL-registry_key_name"),
        new(Sysmon, [13], "registry_value_name", LastSegment("TargetObject"), "inferred (4.x; S2 list)"),
        new(Sysmon, [13], "registry_value_data", Alias("Details"), "S2 fm Details -> registry_value_data"),
        new(Sysmon, [13], "registry_value_type", RegistryValueType(), "inferred (S2 list)"),
        new(Sysmon, Registry, "registry_hive", RegistryHive(), "inferred (S2 list)"),
        new(Sysmon, Registry, "object", LastSegment("TargetObject"), "S1"),
        new(Sysmon, Registry, "object_category", Const("registry"), "S1 EVAL-object_category"),
        new(Sysmon, Registry, "status", Const("success"), "inferred (S2 list)"),

        // Sysmon 8/10 process access and remote threads, 17/18 pipes, 22 DNS.
        new(Sysmon, [10], "granted_access", Alias("GrantedAccess"), "inferred (S2 list)"),
        new(Sysmon, [8], "src_address", Alias("StartAddress"), "inferred (S2 list)"),
        new(Sysmon, [8], "src_function", Alias("StartFunction"), "inferred (S2 list)"),
        new(Sysmon, [8], "src_module", Alias("StartModule"), "inferred (S2 list)"),
        new(Sysmon, [17, 18], "pipe_name", Alias("PipeName"), "inferred (S2 list)"),
        new(Sysmon, [22], "query", Alias("QueryName"), "S1 FIELDALIAS-query"),
        new(Sysmon, [22], "reply_code_id", Alias("QueryStatus"), "S1 FIELDALIAS-replycode"),
        new(Sysmon, [22], "answer", Alias("QueryResults"), "inferred"),
        new(Sysmon, [22], "src", Alias("Computer"), "inferred (S2 list has src)"),
        new(Sysmon, [19, 20, 21], "object_category", Const("wmi"), "S1"),
        new(Sysmon, [20], "object", Alias("Name"), "inferred"),

        // Security (S3 [source::XmlWinEventLog:Security] and FIELD_MAPPING §4).
        new(Security, null, "signature_id", Alias("EventCode"), "S3"),
        new(Security, null, "signature", Lookup("EventCode", WindowsDescriptions), "S3 lookup (descriptions transcribed)"),
        new(Security, null, "vendor_product", Const("Microsoft Windows"), "S3"),
        new(Security, null, "dest", Alias("Computer"), "S3 Computer_as_dest"),
        new(Security, null, "dvc", Alias("Computer"), "S3 FIELDALIAS-dvc_for_windows"),
        new(Security, [4688], "process_path", Alias("NewProcessName"), "S3 EVAL-process_path"),
        new(Security, [4688], "new_process", Alias("NewProcessName"), "S3"),
        new(Security, [4688], "process_name", FileName("NewProcessName"), "S3 EVAL-process_name"),
        new(Security, [4688], "new_process_name", FileName("NewProcessName"), "S3"),
        new(Security, [4688], "process_exec", FileName("NewProcessName"), "S3"),
        new(Security, [4688], "process", Process4688(), "S3 EVAL-process"),
        new(Security, [4688], "Process_Command_Line", Alias("CommandLine"), "S3"),
        new(Security, [4688], "process_id", Alias("NewProcessId"), "S3 EVAL-process_id"),
        new(Security, [4688], "new_process_id", Alias("NewProcessId"), "S3"),
        new(Security, [4688], "parent_process_id", Alias("ProcessId"), "S3 EVAL-parent_process_id"),
        new(Security, [4688], "parent_process_path", Alias("ParentProcessName"), "S3"),
        new(Security, [4688], "parent_process", Alias("ParentProcessName"), "S3"),
        new(Security, [4688], "parent_process_name", FileName("ParentProcessName"), "S3"),
        new(Security, [4688], "user", Coalesce(Present("TargetUserName"), Present("SubjectUserName")), "S3 EVAL-user (TargetUserName unless '-')"),
        new(Security, [4688], "src_user", Present("SubjectUserName"), "S3"),
        new(Security, [4688], "action", When("Keywords", "0x8020000000000000", "allowed"), "S3 EVAL-action"),
        new(Security, [4688], "process_integrity_level", Alias("MandatoryLabel"), "inferred"),
        new(Security, [4624, 4625, 4648, 4768, 4769, 4771, 4776], "action", AuthAction(), "S3 lookup xmlsecurity_eventcode_errorcode_action (values inferred)"),
        new(Security, [4776], "action", Action4776(), "inferred"),
        new(Security, [4624, 4625, 4634, 4648, 4672, 4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4767, 4768, 4769, 4771, 4776, 4781, 4798, 4799, 5136, 5140, 5145, 4662, 4663, 4698, 4699, 4702], "user", Coalesce(Present("TargetUserName"), Present("SubjectUserName")), "S3 Target_User_Name_as_user"),
        new(Security, null, "src_user", Present("SubjectUserName"), "S3 Caller_User_Name"),
        new(Security, null, "dest_nt_domain", Present("TargetDomainName"), "S3"),
        new(Security, null, "src_nt_domain", Present("SubjectDomainName"), "S3"),
        new(Security, null, "src_ip", Custom(IpAddress()), "S3 EXTRACT-1IpAddress (skips ::1 and 127.0.0.1)"),
        new(Security, null, "src", Coalesce(Present("WorkstationName"), Present("Workstation"), Custom(IpAddress())), "S3 Source_Workstation_as_src"),
        new(Security, null, "src_port", Present("IpPort"), "S3"),
        new(Security, null, "Logon_Type", Alias("LogonType"), "S3"),
        new(Security, null, "app", Lookup("LogonType", LogonTypeApp), "S3 windows_app_lookup (values inferred)"),
        new(Security, null, "session_id", Present("TargetLogonId"), "S3"),
        new(Security, [4697], "service", Alias("ServiceName"), "S3"),
        new(Security, [4697], "service_name", Alias("ServiceName"), "S3"),
        new(Security, [4697], "service_path", Alias("ServiceFileName"), "inferred"),
        new(Security, [4698, 4699, 4702], "object", Alias("TaskName"), "inferred"),
        new(Security, [4720, 4726, 4738, 4722, 4725], "object_category", Const("user"), "S3 change lookup (inferred)"),
        new(Security, [4720], "change_type", Const("AAA"), "S3"),
        new(Security, [4720], "action", Const("created"), "S3 change lookup (inferred)"),
        new(Security, [4726], "action", Const("deleted"), "S3 change lookup (inferred)"),
        new(Security, [4738, 4742], "action", Const("modified"), "S3 change lookup (inferred)"),
        new(Security, [5140, 5145], "share_name", Alias("ShareName"), "S2 fm"),
        new(Security, [5140, 5145], "share_path", Alias("ShareLocalPath"), "S2 fm"),

        // System (S3 [source::XmlWinEventLog:System]).
        new(System, null, "signature_id", Alias("EventCode"), "S3"),
        new(System, null, "signature", Lookup("EventCode", WindowsDescriptions), "S3"),
        new(System, null, "vendor_product", Const("Microsoft Windows"), "S3"),
        new(System, null, "dest", Alias("Computer"), "S3"),
        new(System, null, "dvc", Alias("Computer"), "S3"),
        new(System, [7045, 7036, 7040], "service", Coalesce(Alias("ServiceName"), Alias("param1")), "S3 FIELDALIAS-service_for_windows"),
        new(System, [7045, 7036, 7040], "service_name", Coalesce(Alias("ServiceName"), Alias("param1")), "S3"),
        new(System, [7045], "service_path", Alias("ImagePath"), "inferred"),
        new(System, [7045], "start_mode", Alias("StartType"), "S3 (lookup in the add-on; raw text here)"),
        new(System, [7045], "user", Present("AccountName"), "S3 EVAL-user (inferred source field)"),
        new(System, [7036], "status", Alias("param2"), "inferred"),

        // PowerShell Operational: raw through the `powershell` macro; common fields only.
        new(PowerShell, null, "signature_id", Alias("EventCode"), "S2 list"),
        new(PowerShell, null, "vendor_product", Const("Microsoft Windows"), "S2 list"),
        new(PowerShell, null, "dvc", Alias("Computer"), "S2 list"),
        new(PowerShell, null, "user_id", Alias("UserID"), "S2 list"),
        new(PowerShell, null, "dest", Alias("Computer"), "inferred (ESCU searches rename Computer as dest)"),
    ];

    private static Func<Row, Value> IpAddress()
    {
        var ip = FieldTable.Intern("IpAddress");
        return r =>
        {
            var s = r.Get(ip).FirstString();
            return string.IsNullOrEmpty(s) || s is "-" or "::1" or "127.0.0.1" ? Value.Null : Value.FromString(s);
        };
    }
}
