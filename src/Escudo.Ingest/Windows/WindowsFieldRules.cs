using Escudo.Core.Events;
using Escudo.Core.Values;
using static Escudo.Ingest.Windows.FieldExpr;
using static Escudo.Ingest.Windows.WindowsCalculatedFields;
using static Escudo.Ingest.Windows.WindowsLookupTables;

namespace Escudo.Ingest.Windows;

/// <summary>
/// The search-time calculated fields of the Splunk Add-on for Sysmon and the Splunk Add-on for
/// Microsoft Windows, as a table. Read it beside shared/reference/FIELD_MAPPING.md: evidence S1
/// is TA-microsoft-sysmon 10.6.2's props.conf, S2 Splunk's data_sources field lists for add-on
/// 4.0.2 / 8.9.0, S3 Splunk_TA_windows 8.4.0. "inferred" marks rules no file confirms.
/// </summary>
internal static class WindowsFieldRules
{
    public const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
    public const string Security = "Security";
    public const string System = "System";
    public const string PowerShell = "Microsoft-Windows-PowerShell/Operational";

    /// <summary>The Source of rules that S3's [XmlWinEventLog] sourcetype stanza gives every channel.</summary>
    public const string AnyChannel = "*";

    public const string Application = "Application";

    private static readonly int[] SysmonImageEvents = [1, 2, 3, 5, 7, 9, 11, 12, 13, 14, 15, 17, 18, 22, 23, 24, 25, 26, 27, 28, 29];
    private static readonly int[] SysmonGuidEvents = [1, 2, 3, 5, 9, 11, 12, 13, 14, 15, 17, 18, 22, 23, 24, 25, 26, 27, 28, 29];
    private static readonly int[] SysmonSourceImageEvents = [8, 10];
    private static readonly int[] Registry = [12, 13, 14];
    private static readonly int[] FileEvents = [2, 11, 15, 23, 26, 27, 28, 29];

    private static readonly int[] AccountCodes = [4703, 4704, 4705, 4722, 4723, 4724, 4725, 4726, 4738, 4767];
    private static readonly int[] ObjectIdCodes = [4704, 4705, 4722, 4723, 4724, 4725, 4726, 4738, 4767, 4781];
    private static readonly int[] GroupCodes = [4727, 4728, 4729, 4730, 4731, 4732, 4733, 4734, 4735, 4737, .. Enumerable.Range(4744, 21), 4799];

    /// <summary>
    /// The table. Order matters: the first rule to give a field a value wins, so for each field the
    /// rules are listed in Splunk's order of precedence: EVAL (calculated fields, which override
    /// extractions), then REPORT/EXTRACT/FIELDALIAS, then LOOKUP ... OUTPUTNEW (which only fills
    /// empty fields). Source "*" rows are S3's [XmlWinEventLog] sourcetype stanza, which every
    /// channel's events get after their own [source::...] stanza.
    /// </summary>
    public static IReadOnlyList<FieldRule> Rules { get; } =
    [
        // ---- Sysmon: S1 [source::XmlWinEventLog:Microsoft-Windows-Sysmon/Operational], 4.x per S2 field lists.
        new(Sysmon, null, "signature_id", Alias("EventCode"), "S1 FIELDALIAS-signature_id"),
        new(Sysmon, null, "signature", Lookup("EventCode", SysmonDescriptions), "S1 LOOKUP-eventcode"),
        new(Sysmon, null, "EventDescription", Lookup("EventCode", SysmonDescriptions), "S1 LOOKUP-eventcode"),
        new(Sysmon, null, "vendor_product", Const("Microsoft Sysmon"), "S1 EVAL-vendor_product"),
        new(Sysmon, null, "dvc", Alias("Computer"), "S1 FIELDALIAS-dvc"),
        new(Sysmon, [3], "dest", Coalesce(Present("DestinationHostname"), Alias("DestinationIp")), "S1 EVAL-dest (EventCode 3: DestinationHostname, else DestinationIp)"),
        new(Sysmon, [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29], "dest", Alias("Computer"), "S2 fm Computer -> dest (1, 11, 13); S2 lists dest for the others except 22 [inferred]"),
        new(Sysmon, null, "user", UserWithoutDomain("User"), "S1 REPORT User_as_user"),
        new(Sysmon, null, "user_id", Alias("UserID"), "S1 FIELDALIAS-user_id"),

        // Sysmon 7 Image loaded: the loaded module is the process, the loading process its parent
        // [inferred: S2 list for 7 has process_path/name/exec/hash and parent_process_*, but no process_guid/id].
        new(Sysmon, [7], "process_path", Alias("ImageLoaded"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "process_name", FileName("ImageLoaded"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "process_exec", FileName("ImageLoaded"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "parent_process_path", Alias("Image"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "parent_process_name", FileName("Image"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "parent_process_exec", FileName("Image"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "parent_process_guid", Alias("ProcessGuid"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "parent_process_id", Alias("ProcessId"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "service_dll_signature_exists", Alias("Signed"), "inferred from S2 list (EID 7)"),
        new(Sysmon, [7], "service_dll_signature_verified", Alias("SignatureStatus"), "inferred from S2 list (EID 7)"),

        // Sysmon 6 Driver loaded.
        new(Sysmon, [6], "process_path", Alias("ImageLoaded"), "inferred from S2 list (EID 6 has process_path)"),
        new(Sysmon, [6], "service_signature_exists", Alias("Signed"), "inferred from S2 list (EID 6)"),
        new(Sysmon, [6], "service_signature_verified", Alias("SignatureStatus"), "inferred from S2 list (EID 6)"),

        new(Sysmon, SysmonGuidEvents, "process_guid", Alias("ProcessGuid"), "S1 FIELDALIAS-process_guid"),
        new(Sysmon, SysmonGuidEvents, "process_id", Alias("ProcessId"), "S1 FIELDALIAS-process_id"),
        new(Sysmon, SysmonImageEvents, "process_path", Alias("Image"), "S1 FIELDALIAS-process_path"),
        new(Sysmon, SysmonSourceImageEvents, "process_path", Alias("SourceImage"), "inferred from S2 list (EID 8/10)"),
        new(Sysmon, SysmonSourceImageEvents, "process_guid", Coalesce(Alias("SourceProcessGuid"), Alias("SourceProcessGUID")), "inferred from S2 list (EID 8/10; 10 spells it SourceProcessGUID)"),
        new(Sysmon, SysmonSourceImageEvents, "process_id", Alias("SourceProcessId"), "inferred from S2 list (EID 8/10)"),
        new(Sysmon, SysmonImageEvents, "process_name", FileName("Image"), "S1 EVAL-process_name"),
        new(Sysmon, SysmonSourceImageEvents, "process_name", FileName("SourceImage"), "S1 EVAL-process_name (8/10 use SourceImage)"),
        new(Sysmon, [6], "process_name", Const("System"), "S1 EVAL-process_name"),
        new(Sysmon, SysmonImageEvents, "process_exec", FileName("Image"), "S1 EVAL-process_exec"),
        new(Sysmon, SysmonSourceImageEvents, "process_exec", FileName("SourceImage"), "S1 EVAL-process_exec"),
        new(Sysmon, [1, 5], "process", Coalesce(Alias("CommandLine"), Alias("Image")), "S1 FIELDALIAS-process = CommandLine; 5 has no command line (S2 list has process: Image [inferred])"),
        new(Sysmon, [1], "parent_process", Alias("ParentCommandLine"), "S1 FIELDALIAS-parent_process"),
        new(Sysmon, [1], "parent_process_path", Alias("ParentImage"), "S1 FIELDALIAS-parent_process_path"),
        new(Sysmon, [1], "parent_process_name", FileName("ParentImage"), "S1 EVAL-parent_process_name"),
        new(Sysmon, [1], "parent_process_exec", FileName("ParentImage"), "S1 EVAL-parent_process_exec"),
        new(Sysmon, [1], "parent_process_id", Alias("ParentProcessId"), "S1 FIELDALIAS-parent_process_id"),
        new(Sysmon, [1], "parent_process_guid", Alias("ParentProcessGuid"), "S1 FIELDALIAS-parent_process_guid"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_path", Alias("TargetImage"), "inferred from S2 list (EID 8/10 carry parent_process_*)"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_name", FileName("TargetImage"), "inferred from S2 list (EID 8/10)"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_exec", FileName("TargetImage"), "inferred from S2 list (EID 8/10)"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_guid", Coalesce(Alias("TargetProcessGuid"), Alias("TargetProcessGUID")), "inferred from S2 list (EID 8/10; 10 spells it TargetProcessGUID)"),
        new(Sysmon, SysmonSourceImageEvents, "parent_process_id", Alias("TargetProcessId"), "inferred from S2 list (EID 8/10)"),
        new(Sysmon, [1], "process_current_directory", Alias("CurrentDirectory"), "S1 FIELDALIAS-process_current_directory"),
        new(Sysmon, [1], "process_integrity_level", Alias("IntegrityLevel"), "S1 FIELDALIAS-process_integrity_level"),
        new(Sysmon, [1, 7], "original_file_name", Alias("OriginalFileName"), "S2 fm (EID 1); raw field on 7 [inferred]"),
        new(Sysmon, null, "process_hash", Alias("Hashes"), "S1 FIELDALIAS-process_hash"),
        new(Sysmon, null, "MD5", Coalesce(Hash("Hashes", "MD5"), Hash("Hash", "MD5")), "S1 [sysmon-md5] (a regex over _raw: Hashes, or Hash on EID 15)"),
        new(Sysmon, null, "SHA1", Coalesce(Hash("Hashes", "SHA1"), Hash("Hash", "SHA1")), "S1 [sysmon-sha1]"),
        new(Sysmon, null, "SHA256", Coalesce(Hash("Hashes", "SHA256"), Hash("Hash", "SHA256")), "S1 [sysmon-sha256]"),
        new(Sysmon, null, "IMPHASH", Coalesce(Hash("Hashes", "IMPHASH"), Hash("Hash", "IMPHASH")), "S1 [sysmon-imphash]"),
        new(Sysmon, null, "TimeCreated", Alias("SystemTime"), "S2 lists TimeCreated on every Sysmon event (the TimeCreated SystemTime attribute) [inferred]"),
        new(Sysmon, [1], "action", Const("allowed"), "S1 EVAL-action"),
        new(Sysmon, [3], "action", Const("allowed"), "inferred (S2 list has action for EID 3)"),
        new(Sysmon, [11], "action", Const("created"), "S1 EVAL-action (File created)"),
        new(Sysmon, [23, 26], "action", Const("deleted"), "inferred (S2 list for 23 has action)"),
        new(Sysmon, [7], "action", Const("loaded"), "inferred (S2 list for 7 has action)"),
        new(Sysmon, Registry, "action", RegistryAction(), "S1 EVAL-action (12, 13); 14 RenameKey → modified [inferred]"),

        // Sysmon 3 network connection (S1).
        new(Sysmon, [3], "src_ip", Alias("SourceIp"), "S1 FIELDALIAS-src_ip"),
        new(Sysmon, [3], "src_port", Alias("SourcePort"), "S1 FIELDALIAS-src_port"),
        new(Sysmon, [3], "src_host", Present("SourceHostname"), "S1 FIELDALIAS-src_host"),
        new(Sysmon, [3], "src", Coalesce(Present("SourceHostname"), Alias("SourceIp")), "S1 EVAL-src"),
        new(Sysmon, [3], "dest_ip", Alias("DestinationIp"), "S1 FIELDALIAS-dest_ip"),
        new(Sysmon, [3], "dest_port", Alias("DestinationPort"), "S1 FIELDALIAS-dest_port"),
        new(Sysmon, [3], "dest_host", Present("DestinationHostname"), "S1 FIELDALIAS-dest_host"),
        new(Sysmon, [3], "transport", Alias("Protocol"), "S1 FIELDALIAS-transport"),
        new(Sysmon, [3], "direction", Direction(), "S1 EVAL-direction"),
        new(Sysmon, [3], "protocol", Protocol(), "S1 EVAL-protocol"),
        new(Sysmon, [3], "protocol_version", ProtocolVersion(), "inferred (S2 list has protocol_version)"),
        new(Sysmon, [3], "app", Alias("Image"), "S1 FIELDALIAS-app"),
        new(Sysmon, [3], "session_id", Alias("ProcessGuid"), "S1 FIELDALIAS-session_id"),
        new(Sysmon, [3], "creation_time", Alias("UtcTime"), "S1 EVAL-creation_time"),
        new(Sysmon, [3], "state", Const("listening"), "S1 EVAL-state"),
        new(Sysmon, [3], "transport_dest_port", TransportDestPort(), "S4 Endpoint.Ports mvzip(transport,dest_port,\"/\"); S2 list has it on the event"),

        // Sysmon file events.
        new(Sysmon, FileEvents, "file_path", Alias("TargetFilename"), "S1 FIELDALIAS-file_path"),
        new(Sysmon, FileEvents, "file_name", FileName("TargetFilename"), "S1 [sysmon-filename]"),
        new(Sysmon, [2, 11, 15], "file_create_time", Alias("CreationUtcTime"), "S1 FIELDALIAS-file_create_time"),
        new(Sysmon, [2], "file_modify_time", Alias("PreviousCreationUtcTime"), "inferred"),
        new(Sysmon, [23, 26], "file_modify_time", Alias("UtcTime"), "inferred (S2 list for 23 has file_modify_time)"),
        new(Sysmon, [15], "file_hash", Alias("Hash"), "inferred (S2 list)"),
        new(Sysmon, [23, 26], "file_hash", Alias("Hashes"), "inferred (S2 list)"),
        new(Sysmon, FileEvents, "object_category", Const("file"), "S1 EVAL-object_category"),

        // Sysmon registry events.
        new(Sysmon, Registry, "registry_path", Alias("TargetObject"), "S1 EVAL-registry_path; S2 fm"),
        new(Sysmon, [12, 13], "object_path", Alias("TargetObject"), "S1 EVAL-object_path"),
        new(Sysmon, [14], "object_path", Alias("NewName"), "S1 EVAL-object_path"),
        new(Sysmon, Registry, "registry_key_name", FileName("TargetObject"), "S1 EVAL-registry_key_name"),
        new(Sysmon, [13], "registry_value_name", FileName("TargetObject"), "inferred (4.x; S2 list)"),
        new(Sysmon, [13], "registry_value_data", Alias("Details"), "S2 fm Details -> registry_value_data"),
        new(Sysmon, [13], "registry_value_type", RegistryValueType(), "inferred (S2 list)"),
        new(Sysmon, [13], "RegistryValueData", Alias("Details"), "S2 list (4.x field; = Details [inferred])"),
        new(Sysmon, [13], "RegistryValueType", RegistryValueType(), "S2 list (4.x field; as registry_value_type [inferred])"),
        new(Sysmon, Registry, "registry_hive", RegistryHive(), "inferred (S2 list)"),
        new(Sysmon, Registry, "object", FileName("TargetObject"), "S1 [sysmon-registry]"),
        new(Sysmon, Registry, "object_category", Const("registry"), "S1 EVAL-object_category"),
        new(Sysmon, Registry, "status", Const("success"), "inferred (S2 list)"),

        // Sysmon 8/10 process access and remote threads, 17/18 pipes, 19-21 WMI, 22 DNS.
        new(Sysmon, [10], "granted_access", Alias("GrantedAccess"), "inferred (S2 list)"),
        new(Sysmon, [8], "src_address", Alias("StartAddress"), "inferred (S2 list)"),
        new(Sysmon, [8], "src_function", Alias("StartFunction"), "inferred (S2 list)"),
        new(Sysmon, [8], "src_module", Alias("StartModule"), "inferred (S2 list)"),
        new(Sysmon, [17, 18], "pipe_name", Alias("PipeName"), "inferred (S2 list)"),
        new(Sysmon, [22], "query", Alias("QueryName"), "S1 FIELDALIAS-query"),
        new(Sysmon, [22], "reply_code_id", Alias("QueryStatus"), "S1 FIELDALIAS-replycode"),
        new(Sysmon, [22], "answer", Alias("QueryResults"), "inferred"),
        new(Sysmon, [22], "query_count", Custom(r => r.Has(QueryNameId) ? Value.FromNumber(1) : Value.Null), "S4 query_count = mvcount(query); S2 list has it"),
        new(Sysmon, [22], "src", Alias("Computer"), "inferred (S2 list has src)"),
        new(Sysmon, [19, 20, 21], "object_category", Const("wmi"), "S1 EVAL-object_category"),
        new(Sysmon, [20], "object", Alias("Name"), "inferred"),
        new(Sysmon, [20], "DestinationNoQuotes", WithoutQuotes("Destination"), "S2 list (EID 20) [expression inferred]"),
        new(Sysmon, [21], "ConsumerNoQuotes", WithoutQuotes("Consumer"), "S2 list (EID 21) [expression inferred]"),
        new(Sysmon, [21], "FilterNoQuotes", WithoutQuotes("Filter"), "S2 list (EID 21) [expression inferred]"),

        // ---- Security: S3 [source::XmlWinEventLog:Security]. First the EVALs (they override extractions).
        new(Security, [4688], "process", Process4688(), "S3 EVAL-process"),
        new(Security, [4696], "process", Alias("TargetProcessName"), "S3 EVAL-process"),
        new(Security, null, "process", Alias("ProcessName"), "S3 EVAL-process (coalesce(process, Process, ProcessName); EXTRACT process = ProcessName)"),
        new(Security, [4688], "process_path", Alias("NewProcessName"), "S3 EVAL-process_path (new_process)"),
        new(Security, [4696], "process_path", Alias("TargetProcessName"), "S3 EVAL-process_path"),
        new(Security, null, "process_path", Alias("ProcessName"), "S3 EVAL-process_path"),
        new(Security, [4688], "process_id", Alias("NewProcessId"), "S3 EVAL-process_id (new_process_id)"),
        new(Security, [4696], "process_id", Alias("TargetProcessId"), "S3 EVAL-process_id"),
        new(Security, null, "process_id", Alias("ProcessId"), "S3 EXTRACT-process_id"),
        new(Security, [4688], "process_name", FileName("NewProcessName"), "S3 EVAL-process_name (new_process_name)"),
        new(Security, [4696], "process_name", FileName("TargetProcessName"), "S3 EVAL-process_name"),
        new(Security, [4689, 4674, 4673], "process_name", FileName("ProcessName"), "S3 EVAL-process_name"),
        new(Security, null, "process_name", Alias("ProcessName"), "S3 EVAL-process_name (1==1, ProcessName: the full path)"),
        new(Security, [4688], "process_exec", FileName("NewProcessName"), "S3 EVAL-process_exec"),
        new(Security, [4696], "process_exec", FileName("TargetProcessName"), "S3 EVAL-process_exec"),
        new(Security, [4689, 4674, 4673], "process_exec", FileName("ProcessName"), "S3 EVAL-process_exec"),
        new(Security, [4696], "parent_process", Alias("ProcessName"), "S3 EVAL-parent_process"),
        new(Security, null, "parent_process", Alias("ParentProcessName"), "S3 EXTRACT-parent_process"),
        new(Security, [4688, 4696], "parent_process_id", Alias("ProcessId"), "S3 EVAL-parent_process_id"),
        new(Security, [4696], "parent_process_name", FileName("ProcessName"), "S3 EVAL-parent_process_name"),
        new(Security, null, "parent_process_name", FileName("ParentProcessName"), "S3 REPORT extract_parent_process_name_for_windows_xml"),
        new(Security, [4688], "parent_process_path", Alias("ParentProcessName"), "S3 EVAL-parent_process_path"),
        new(Security, [4696], "parent_process_path", Alias("ProcessName"), "S3 EVAL-parent_process_path"),
        new(Security, [4688], "user", Coalesce(Present("TargetUserName"), Alias("SubjectUserName")), "S3 EVAL-user (4688: user unless '-' or null, else src_user)"),
        new(Security, [4674, 4689, 4673, 4697], "user", Present("SubjectUserName"), "S3 EVAL-user (SubjectUserName unless '-')"),
        new(Security, [4696], "user", Present("TargetUserName"), "S3 EVAL-user"),
        new(Security, AccountCodes, "user", Alias("TargetUserName"), "S3 EVAL-user (ADDON-42191)"),
        new(Security, [4781], "user", Alias("NewTargetUserName"), "S3 EVAL-user (ADDON-42191)"),
        new(Security, AccountCodes, "user_name", Alias("TargetUserName"), "S3 EVAL-user_name"),
        new(Security, [4781], "user_name", Alias("NewTargetUserName"), "S3 EVAL-user_name"),
        new(Security, [.. AccountCodes, 4781], "src_user_name", Alias("SubjectUserName"), "S3 EVAL-src_user_name"),
        new(Security, AccountCodes, "object", Alias("TargetUserName"), "S3 EVAL-object"),
        new(Security, [4781], "object", Alias("NewTargetUserName"), "S3 EVAL-object"),
        new(Security, ObjectIdCodes, "object_id", Alias("TargetSid"), "S3 EVAL-object_id"),
        new(Security, [4703], "object_id", Alias("TargetUserSid"), "S3 EVAL-object_id"),
        new(Security, [4720, 4738], "object_attrs", ChangeAudit(e => e.ObjectAttrs), "S3 EVAL-object_attrs is null for 4720/4738, then LOOKUP-object_for_windows3_security"),
        new(Security, [4717], "object_attrs", Alias("AccessGranted"), "S3 EVAL-object_attrs"),
        new(Security, [4718], "object_attrs", Alias("AccessRemoved"), "S3 EVAL-object_attrs"),
        new(Security, null, "object_attrs", Coalesce(Alias("SamAccountName"), Alias("RuleName")), "S3 EVAL-object_attrs (SamAccountName, else EXTRACT RuleName)"),
        new(Security, [4688], "action", When("Keywords", "0x8020000000000000", "allowed"), "S3 EVAL-action"),
        new(Security, [4657], "registry_path", Alias("ObjectName"), "S3 EVAL-registry_path"),
        new(Security, [4657], "registry_value_name", Alias("ObjectValueName"), "S3 EVAL-registry_value_name"),
        new(Security, [4657], "registry_value_type", Alias("NewValueType"), "S3 EVAL-registry_value_type"),
        new(Security, [4778], "src", Alias("ClientAddress"), "S3 EVAL-src"),
        new(Security, [5156, 5158], "src_port", Alias("SourcePort"), "S3 EVAL-src_port"),
        new(Security, [4741, 4742, 4743], "user_type", Const("computer"), "S3 EVAL-user_type"),
        new(Security, GroupCodes, "Group_Name", Alias("TargetUserName"), "S3 EVAL-Group_Name"),
        new(Security, GroupCodes, "Group_Domain", Alias("TargetDomainName"), "S3 EVAL-Group_Domain"),
        new(Security, null, "user_group", Coalesce(Alias("TargetUserName"), Alias("NewAccountName"), Alias("TargetAccountName")), "S3 EVAL-user_group"),
        new(Security, null, "ta_windows_action", TaWindowsAction(), "S3 EVAL-ta_windows_action"),
        new(Security, null, "Error_Code", Coalesce(Alias("Status"), Const("-")), "S3 EVAL-Error_Code"),
        new(Security, null, "file_name", Coalesce(IfFileObject(FileName("ObjectName")), Alias("ShareName")), "S3 EVAL-file_name (object_file_name, else ShareName)"),
        new(Security, null, "file_path", Coalesce(IfFileObject(Alias("ObjectName")), Alias("ShareLocalPath")), "S3 EVAL-file_path (object_file_path, else ShareLocalPath)"),
        new(Security, null, "dest_nt_domain", Present("TargetDomainName"), "S3 REPORT Target_Domain_as_dest_nt_domain, EVAL nullif(dest_nt_domain,\"-\")"),
        new(Security, null, "vendor", Const("Microsoft"), "S3 EVAL-vendor"),
        new(Security, null, "product", Const("Windows"), "S3 EVAL-product"),

        // Security: REPORT / EXTRACT / FIELDALIAS.
        new(Security, null, "Source_Port", Alias("IpPort"), "S3 REPORT IpPort_as_Source_Port"),
        new(Security, null, "Token_Elevation_Type", Alias("TokenElevationType"), "S3 REPORT"),
        new(Security, null, "Token_Elevation_Type_id", Lookup("TokenElevationType", TokenElevationIds), "S3 REPORT Token_Elevation_Type_id_for_windows_security (%%1936-%%1938 → 1-3 [inferred])"),
        new(Security, [1102], "LogFileCleared_Xml", RawBlock("LogFileCleared"), "S3 REPORT logfilecleared_xml_block"),
        new(Security, null, "Target_Server_Name", Alias("TargetServerName"), "S3 REPORT"),
        new(Security, null, "Logon_Type", Alias("LogonType"), "S3 REPORT LogonType_as_Logon_Type"),
        new(Security, null, "Logon_ID", Alias("SubjectLogonId"), "S3 REPORT SubjectLogonId_as_Logon_ID"),
        new(Security, null, "Caller_Domain", Alias("SubjectDomainName"), "S3 REPORT"),
        new(Security, null, "Target_Domain", Alias("TargetDomainName"), "S3 REPORT"),
        new(Security, null, "Caller_User_Name", Alias("SubjectUserName"), "S3 REPORT"),
        new(Security, null, "Target_User_Name", Alias("TargetUserName"), "S3 REPORT"),
        new(Security, null, "Source_Workstation", Coalesce(Alias("Workstation"), Alias("WorkstationName"), Alias("IpAddress")), "S3 REPORT-Source_Workstation_from_xml (in that order)"),
        new(Security, null, "Sub_Status", Alias("SubStatus"), "S3 REPORT SubStatus_as_Sub_Status"),
        new(Security, null, "new_process", Alias("NewProcessName"), "S3 EXTRACT-new_process"),
        new(Security, null, "new_process_name", FileName("NewProcessName"), "S3 REPORT extract_new_process_name_for_windows_xml"),
        new(Security, null, "new_process_id", Alias("NewProcessId"), "S3 EXTRACT-new_process_id"),
        new(Security, null, "Process_Command_Line", Alias("CommandLine"), "S3 EXTRACT-process_command_line_for_xml"),
        new(Security, null, "process_command_line_process", CommandLinePart(arguments: false), "S3 REPORT process_command_line_process_and_arguments [split inferred]"),
        new(Security, null, "process_command_line_arguments", CommandLinePart(arguments: true), "S3 REPORT process_command_line_process_and_arguments [split inferred]"),
        new(Security, null, "session_id", Alias("SubjectLogonId"), "S3 REPORT Logon_ID_as_session_id"),
        new(Security, null, "dest", Coalesce(Alias("TargetServerName"), Alias("Computer")), "S3 REPORT Target_Server_Name_as_dest, Computer_as_dest"),
        new(Security, null, "dest_nt_host", Alias("TargetServerName"), "S3 REPORT Target_Server_Name_as_dest_nt_host"),
        new(Security, null, "src", Coalesce(Present("Workstation"), Present("WorkstationName"), Present("IpAddress")), "S3 REPORT Source_Workstation_as_src ('-' skipped [inferred])"),
        new(Security, null, "src_ip", Custom(IpAddress()), "S3 EXTRACT-1IpAddress (skips ::1 and 127.0.0.1)"),
        new(Security, null, "src_nt_domain", Alias("SubjectDomainName"), "S3 REPORT Caller_Domain_as_src_nt_domain"),
        new(Security, null, "src_nt_host", Coalesce(Present("Workstation"), Present("WorkstationName"), Present("IpAddress")), "S3 REPORT Source_Workstation_as_src_nt_host ('-' skipped [inferred])"),
        new(Security, null, "src_user", Alias("SubjectUserName"), "S3 REPORT Caller_User_Name_as_src_user"),
        new(Security, null, "src_port", Alias("IpPort"), "S3 FIELDALIAS-src_port (Source_Port)"),
        new(Security, null, "user", Alias("TargetUserName"), "S3 REPORT Target_User_Name_as_user"),
        new(Security, null, "ta_windows_status", Alias("Status"), "S3 FIELDALIAS-Status_as_ta_windows_status"),
        new(Security, null, "vendor_privilege", Alias("PrivilegeList"), "S3 REPORT PrivilegeList_as_vendor_privilege"),
        new(Security, null, "member_id", Alias("MemberSid"), "S3 REPORT-member_id (XML source field inferred)"),
        new(Security, null, "member_dn", Alias("MemberName"), "S3 REPORT-member_dn (XML source field inferred)"),
        new(Security, null, "dest_port", Alias("DestPort"), "S3 EXTRACT-dest_port"),
        new(Security, null, "object_file_path", Alias("ObjectName"), "S3 REPORT object_file_name_and_path_from_ObjectName_for_xml [inferred]"),
        new(Security, null, "object_file_name", FileName("ObjectName"), "S3 REPORT object_file_name_and_path_from_ObjectName_for_xml [inferred]"),
        new(Security, null, "service", Coalesce(Alias("ServiceName"), Alias("Service")), "S3 FIELDALIAS-service_for_windows, EVAL-service"),
        new(Security, null, "service_name", Alias("ServiceName"), "S3 FIELDALIAS-service_for_windows"),
        new(Security, [4697], "service_path", Alias("ServiceFileName"), "inferred"),
        new(Security, [4698, 4699, 4702], "object", Alias("TaskName"), "inferred"),
        new(Security, [5140, 5145], "share_name", Alias("ShareName"), "S2 fm"),
        new(Security, [5140, 5145], "share_path", Alias("ShareLocalPath"), "S2 fm"),

        // Security: LOOKUPs (OUTPUTNEW: fill only what is still empty).
        new(Security, null, "action", AuditChange(e => e.Action), "S3 LOOKUP-action_for_windows0_security (windows_audit_changes.csv)"),
        new(Security, null, "change_type", AuditChange(e => e.ChangeType), "S3 LOOKUP-action_for_windows0_security"),
        new(Security, null, "object_category", AuditChange(e => e.ObjectCategory), "S3 LOOKUP-action_for_windows0_security"),
        new(Security, null, "action", Lookup("Keywords", KeywordsAction), "S3 LOOKUP-action_for_windows2_security (values inferred)"),
        new(Security, null, "status", Lookup("Keywords", KeywordsAction), "S3 LOOKUP-action_for_windows2_security (action AS status; values inferred)"),
        new(Security, null, "object_attrs", ChangeAudit(e => e.ObjectAttrs), "S3 LOOKUP-object_for_windows3_security"),
        new(Security, null, "result", ChangeAudit(e => e.Result), "S3 LOOKUP-object_for_windows3_security"),
        new(Security, null, "app", Lookup("LogonType", LogonTypeApp), "S3 LOOKUP-app3_for_windows_security (values inferred)"),
        new(Security, null, "signature", Lookup("EventCode", WindowsDescriptions), "S3 LOOKUP-signature_for_windows3 (descriptions transcribed)"),
        new(Security, null, "name", Lookup("EventCode", WindowsDescriptions), "S3 LOOKUP-signature_for_windows3 (signature AS name)"),
        new(Security, null, "subject", Lookup("EventCode", WindowsDescriptions), "S3 LOOKUP-signature_for_windows3 (signature AS subject)"),

        // ---- System: S3 [source::XmlWinEventLog:System].
        new(System, [7036], "status", ServiceStatus7036(), "S3 EVAL-status"),
        new(System, null, "Error_Code", Coalesce(Alias("Status"), Const("-")), "S3 EVAL-Error_Code"),
        new(System, null, "vendor", Const("Microsoft"), "S3 EVAL-vendor"),
        new(System, null, "product", Const("Windows"), "S3 EVAL-product"),
        new(System, null, "dest", Alias("Computer"), "S3 REPORT Computer_as_dest"),
        new(System, null, "service_name", Alias("ServiceName"), "S3 REPORT ServiceName_as_service_name"),
        new(System, [7036, 7040], "service", Alias("param1"), "inferred (S2 lists service for 7036/7040, whose XML has param1 only)"),
        new(System, [7036, 7040], "service_name", Alias("param1"), "inferred (as above)"),
        new(System, [7036, 7040], "ServiceName", Alias("param1"), "inferred (S2 lists ServiceName for 7036/7040, whose XML has param1)"),
        new(System, [7045], "service_path", Alias("ImagePath"), "inferred"),

        // ---- Application: S3 [source::XmlWinEventLog:Application].
        new(Application, null, "Error_Code", Coalesce(Alias("Status"), Const("-")), "S3 EVAL-Error_Code"),
        new(Application, null, "dest", Alias("Computer"), "S3 FIELDALIAS-dest_for_xmlwineventlog_application"),
        new(System, [7045], "start_mode", Lookup("StartType", StartModes), "S3 LOOKUP-0start_mode_for_eventcode_7045 (values inferred)"),
        new(System, [7040], "start_mode", Lookup("param3", StartModes), "S3 LOOKUP-1start_mode_for_eventcode_7040 (values inferred)"),

        // ---- Every XmlWinEventLog event: S3 [XmlWinEventLog] (after the channel's own stanza).
        new(AnyChannel, null, "dvc", Alias("Computer"), "S3 FIELDALIAS-dvc_for_windows"),
        new(AnyChannel, null, "UserData_Xml", RawBlock("UserData"), "S3 REPORT-0xml_block_extract userdata_xml_block"),
        new(AnyChannel, null, "id", Alias("EventRecordID"), "S3 FIELDALIAS-id_for_windows (RecordNumber AS id)"),
        new(AnyChannel, null, "signature_id", Alias("EventCode"), "S3 EVAL-signature_id"),
        new(AnyChannel, null, "user_id", Alias("UserID"), "S3 FIELDALIAS-user_id_for_windows"),
        new(AnyChannel, null, "process_name", Custom(GenericProcessName()), "S3 EVAL-process_name = if(EventCode==4688, NewProcessName, ProcessName)"),
        new(AnyChannel, null, "parent_process", Alias("ParentProcessName"), "S3 FIELDALIAS-parent_process_for_windows"),
        new(AnyChannel, null, "service", Alias("ServiceName"), "S3 FIELDALIAS-service_for_windows"),
        new(AnyChannel, null, "service_name", Alias("ServiceName"), "S3 FIELDALIAS-service_for_windows"),
        new(AnyChannel, null, "service_id", Alias("ServiceSid"), "S3 FIELDALIAS-service_id_for_windows"),
        new(AnyChannel, null, "vendor_product", Const("Microsoft Windows"), "S3 EVAL-vendor_product"),
    ];
}
