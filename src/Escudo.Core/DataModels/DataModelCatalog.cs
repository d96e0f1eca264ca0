using System.Text.RegularExpressions;
using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Core.DataModels;

/// <summary>
/// The CIM data models Escudo knows, as definitions: datasets, their tag constraints, fields and
/// calculated defaults, transcribed from Splunk_SA_CIM 5.0.1 (Endpoint.json, Network_Traffic.json,
/// Network_Resolution.json, Change.json, Authentication.json; see shared/reference/FIELD_MAPPING.md §1).
/// In each dataset the fields CIM calculates default to "unknown" when empty; extracted ones do not.
/// Risk is Enterprise Security's model, written by Escudo itself from risk events.
/// </summary>
public sealed partial class DataModelCatalog
{
    private readonly Dictionary<string, DataModelDataset> _datasets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DataModelDataset> _models = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<DataModelDataset> Datasets => _datasets.Values;

    /// <summary>Resolves <c>Model.Dataset</c>, <c>Model</c> (its first root dataset), or a dataset's name.</summary>
    public DataModelDataset? Resolve(string name)
    {
        name = name.Trim().Trim('"');
        if (_datasets.TryGetValue(name, out var ds))
        {
            return ds;
        }

        if (_models.TryGetValue(name, out ds))
        {
            return ds;
        }

        // `Model.Child` where Child is nested deeper (Authentication.Failed_Authentication).
        var dot = name.IndexOf('.');
        if (dot > 0)
        {
            var model = name[..dot];
            var leaf = name[(name.LastIndexOf('.') + 1)..];
            return _datasets.Values.FirstOrDefault(d => d.Model.Equals(model, StringComparison.OrdinalIgnoreCase) && d.Name.Equals(leaf, StringComparison.OrdinalIgnoreCase));
        }

        return null;
    }

    private DataModelDataset Add(DataModelDataset ds, bool isModelRoot = false)
    {
        _datasets[ds.FullName] = ds;
        if (isModelRoot)
        {
            _models[ds.Model] = ds;
        }

        return ds;
    }

    private static DataModelField[] Extracted(params string[] names) => names.Select(n => new DataModelField(n)).ToArray();

    private static DataModelField[] Calculated(params string[] names) => names.Select(n => new DataModelField(n, "unknown")).ToArray();

    private static readonly int ProcessId = FieldTable.Intern("process");
    private static readonly int ProcessNameId = FieldTable.Intern("process_name");
    private static readonly int ParentProcessId = FieldTable.Intern("parent_process");
    private static readonly int ParentProcessNameId = FieldTable.Intern("parent_process_name");
    private static readonly int IntegrityId = FieldTable.Intern("process_integrity_level");
    private static readonly int ActionId = FieldTable.Intern("action");
    private static readonly int UserId = FieldTable.Intern("user");
    private static readonly int ObjectCategoryId = FieldTable.Intern("object_category");
    private static readonly int TransportId = FieldTable.Intern("transport");

    // Declared after the field ids above: static initializers run in textual order, and BuildCim reads them.
    public static DataModelCatalog Cim { get; } = BuildCim();

    [GeneratedRegex(@"^\s*([^\s]+)")]
    private static partial Regex FirstToken();

    /// <summary>CIM: <c>case(isnotnull(process_name) AND process_name!="", process_name, isnotnull(process) AND process!="", replace(process,"^\s*([^\s]+).*","\1"), 1=1, "unknown")</c>.</summary>
    private static Func<Row, Value> NameFromCommandLine(int nameId, int commandId) => row =>
    {
        var name = row.Get(nameId);
        if (!name.IsNull && name.ToDisplayString().Length > 0)
        {
            return name;
        }

        var cmd = row.Get(commandId).FirstString();
        if (!string.IsNullOrEmpty(cmd))
        {
            var m = FirstToken().Match(cmd);
            if (m.Success)
            {
                return Value.FromString(m.Groups[1].Value);
            }
        }

        return Value.FromString("unknown");
    };

    private static Func<Row, Value> Lower(int id) => row =>
    {
        var v = row.Get(id);
        return v.IsNull ? v : Value.FromString(v.ToDisplayString().ToLowerInvariant());
    };

    private static bool HasValue(Row row, int id, string value)
    {
        var v = row.Get(id);
        foreach (var item in v.Items)
        {
            if (item.Equals(value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static DataModelCatalog BuildCim()
    {
        var c = new DataModelCatalog();
        AddEndpoint(c);
        AddNetwork(c);
        AddChangeAndAuthentication(c);
        AddWebEmailAndOthers(c);
        AddRisk(c);
        return c;
    }

    /// <summary>Endpoint: Processes, Registry, Filesystem, Services, Ports.</summary>
    private static void AddEndpoint(DataModelCatalog c)
    {
        // Endpoint (Endpoint.json): five root datasets.
        c.Add(
            new DataModelDataset(
                "Endpoint",
                "Processes",
                null,
                ["process", "report"],
                [
                    .. Extracted("action", "cpu_load_percent", "mem_used", "os", "parent_process_exec", "parent_process_id", "parent_process_guid", "parent_process_path", "process_current_directory", "process_exec", "process_hash", "process_guid", "process_id", "process_path", "user_id"),
                    new DataModelField("process_integrity_level", null, Lower(IntegrityId)),
                    .. Calculated("dest", "original_file_name", "parent_process"),
                    new DataModelField("parent_process_name", "unknown", NameFromCommandLine(ParentProcessNameId, ParentProcessId)),
                    .. Calculated("process"),
                    new DataModelField("process_name", "unknown", NameFromCommandLine(ProcessNameId, ProcessId)),
                    .. Calculated("user", "vendor_product"),
                ],
                constraintText: "tag=process tag=report | eval process_integrity_level=lower(process_integrity_level)"),
            isModelRoot: true);
        c.Add(new DataModelDataset(
            "Endpoint",
            "Registry",
            null,
            ["endpoint", "registry"],
            [
                .. Extracted("process_guid", "process_id", "registry_hive", "registry_value_text", "status"),
                .. Calculated("action", "dest", "registry_path", "registry_key_name", "registry_value_data", "registry_value_name", "registry_value_type", "user", "vendor_product"),
            ],
            constraintText: "tag=endpoint tag=registry"));
        c.Add(new DataModelDataset(
            "Endpoint",
            "Filesystem",
            null,
            ["endpoint", "filesystem"],
            [
                .. Extracted("file_access_time", "file_create_time", "file_modify_time", "process_guid", "process_id"),
                .. Calculated("action", "dest", "file_hash", "file_name", "file_path", "file_acl", "file_size", "user", "vendor_product"),
            ],
            constraintText: "tag=endpoint tag=filesystem"));
        c.Add(new DataModelDataset(
            "Endpoint",
            "Services",
            null,
            ["service", "report"],
            [
                .. Extracted("description", "process_guid", "process_id", "service_dll", "service_dll_path", "service_dll_hash", "service_dll_signature_exists", "service_dll_signature_verified", "service_exec", "service_hash", "service_path", "service_signature_exists", "service_signature_verified"),
                .. Calculated("dest", "service", "service_name", "service_id", "start_mode", "status", "user", "vendor_product"),
            ],
            constraintText: "tag=service tag=report"));
        c.Add(new DataModelDataset(
            "Endpoint",
            "Ports",
            null,
            ["listening", "port"],
            [
                .. Extracted("creation_time", "dest_port", "process_guid", "process_id", "state", "transport", "transport_dest_port"),
                .. Calculated("src", "src_port", "dest", "user", "vendor_product"),
            ],
            constraintText: "tag=listening tag=port"));
    }

    /// <summary>Network_Traffic and Network_Resolution.</summary>
    private static void AddNetwork(DataModelCatalog c)
    {
        // Network_Traffic (Network_Traffic.json).
        c.Add(
            new DataModelDataset(
                "Network_Traffic",
                "All_Traffic",
                null,
                ["network", "communicate"],
                [
                    .. Extracted("app", "channel", "dest_interface", "dest_ip", "dest_mac", "dest_translated_ip", "dest_translated_port", "dest_zone", "direction", "duration", "dvc_ip", "dvc_mac", "dvc_zone", "flow_id", "icmp_code", "icmp_type", "process_id", "protocol", "protocol_version", "response_time", "session_id", "src_interface", "src_ip", "src_mac", "src_translated_ip", "src_translated_port", "src_zone", "ssid", "tcp_flag", "tos", "ttl", "vlan", "wifi", "vendor_account"),
                    .. Calculated("action", "bytes", "bytes_in", "bytes_out", "dest", "dest_port", "dvc", "packets", "packets_in", "packets_out", "rule", "src", "src_port"),
                    new DataModelField("transport", "unknown", Lower(TransportId)),
                    .. Calculated("user", "vendor_product"),
                ],
                constraintText: "tag=network tag=communicate"),
            isModelRoot: true);

        // Network_Resolution (Network_Resolution.json).
        c.Add(
            new DataModelDataset(
                "Network_Resolution",
                "DNS",
                null,
                ["network", "resolution", "dns"],
                [
                    .. Extracted("additional_answer_count", "authority_answer_count", "dest_port", "duration", "name", "query_type", "record_type", "response_time", "src", "src_port", "transport", "transaction_id", "ttl"),
                    .. Calculated("answer", "answer_count", "dest", "message_type", "query", "query_count", "reply_code_id", "reply_code", "vendor_product"),
                ],
                constraintText: "tag=network tag=resolution tag=dns"),
            isModelRoot: true);
    }

    /// <summary>Change (with its Endpoint_Changes and Account_Management children) and Authentication.</summary>
    private static void AddChangeAndAuthentication(DataModelCatalog c)
    {
        // Change (Change.json): All_Changes excludes file, directory and registry objects.
        var allChanges = c.Add(
            new DataModelDataset(
                "Change",
                "All_Changes",
                null,
                ["change"],
                [
                    .. Extracted("user_agent", "user_type", "vendor_account", "vendor_region"),
                    .. Calculated("change_type", "command", "dest", "dvc", "object", "object_attrs", "object_category", "object_id", "object_path", "status", "result", "result_id", "src", "user", "user_name", "vendor_product", "action"),
                ],
                row => !(HasValue(row, ObjectCategoryId, "file") || HasValue(row, ObjectCategoryId, "directory") || HasValue(row, ObjectCategoryId, "registry")),
                "tag=change NOT (object_category=file OR object_category=directory OR object_category=registry)"),
            isModelRoot: true);
        c.Add(new DataModelDataset("Change", "Endpoint_Changes", allChanges, ["endpoint"], [], constraintText: "tag=endpoint"));
        c.Add(new DataModelDataset("Change", "Account_Management", allChanges, ["account"], Extracted("dest_nt_domain", "src_nt_domain", "src_user", "src_user_name"), constraintText: "tag=account"));

        // Authentication (Authentication.json): successful machine-account logons are excluded.
        var auth = c.Add(
            new DataModelDataset(
                "Authentication",
                "Authentication",
                null,
                ["authentication"],
                [
                    .. Extracted("authentication_method", "authentication_service", "dest_nt_domain", "duration", "reason", "response_time", "signature", "signature_id", "src_nt_domain", "src_user_id", "src_user_role", "src_user_type", "user_agent", "user_id", "user_role", "user_type", "vendor_account"),
                    .. Calculated("action", "app", "src", "src_user", "dest", "user"),
                ],
                row => !(HasValue(row, ActionId, "success") && row.Get(UserId).FirstString() is { } u && u.EndsWith('$')),
                "tag=authentication NOT (action=success user=*$)"),
            isModelRoot: true);
        c.Add(new DataModelDataset("Authentication", "Failed_Authentication", auth, [], [], row => HasValue(row, ActionId, "failure"), "action=failure"));
        c.Add(new DataModelDataset("Authentication", "Successful_Authentication", auth, [], [], row => HasValue(row, ActionId, "success"), "action=success"));
    }

    /// <summary>The models Windows event logs leave empty: Web, Email, Alerts, Updates, Intrusion_Detection, Network_Sessions, Certificates.</summary>
    private static void AddWebEmailAndOthers(DataModelCatalog c)
    {
        // Web, Email, Alerts, Updates, Intrusion_Detection, Network_Sessions, Certificates
        // (Splunk_SA_CIM 5.x): defined so the detections that read them plan and run; Windows event
        // logs put nothing in them, so they are empty unless another source is ingested.
        c.Add(
            new DataModelDataset(
                "Web",
                "Web",
                null,
                ["web"],
                [
                    .. Extracted("cached", "cookie", "http_content_type", "http_referrer", "http_referrer_domain", "http_user_agent", "http_user_agent_length", "response_time", "site", "uri_path", "uri_query", "url_domain", "url_length", "dest_port", "duration", "error_code", "operation", "storage_name"),
                    .. Calculated("action", "app", "bytes", "bytes_in", "bytes_out", "category", "dest", "http_method", "src", "status", "url", "user", "vendor_product"),
                ],
                constraintText: "tag=web"),
            isModelRoot: true);
        c.Add(
            new DataModelDataset(
                "Email",
                "All_Email",
                null,
                ["email"],
                [
                    .. Extracted("delay", "duration", "file_hash", "file_name", "file_size", "filter_action", "filter_score", "internal_message_id", "message_id", "message_info", "orig_dest", "orig_recipient", "orig_src", "process", "process_id", "protocol", "recipient_count", "recipient_status", "return_addr", "size", "subject", "url", "xdelay", "xref"),
                    .. Calculated("action", "dest", "recipient", "recipient_domain", "src", "src_user", "src_user_domain", "user", "vendor_product"),
                ],
                constraintText: "tag=email"),
            isModelRoot: true);
        c.Add(
            new DataModelDataset(
                "Alerts",
                "Alerts",
                null,
                ["alert"],
                [.. Extracted("body", "description", "id", "mitre_technique_id", "subject", "type"), .. Calculated("app", "dest", "severity", "severity_id", "signature", "signature_id", "src", "user", "vendor_account", "vendor_product")],
                constraintText: "tag=alert"),
            isModelRoot: true);
        c.Add(
            new DataModelDataset(
                "Updates",
                "Updates",
                null,
                ["update", "status"],
                [.. Extracted("file_hash", "file_name", "signature_id"), .. Calculated("dest", "dvc", "signature", "status", "vendor_product")],
                constraintText: "tag=update tag=status"),
            isModelRoot: true);
        c.Add(
            new DataModelDataset(
                "Intrusion_Detection",
                "IDS_Attacks",
                null,
                ["ids", "attack"],
                [.. Extracted("dest_port", "file_hash", "file_name", "file_path", "src_port", "transport"), .. Calculated("action", "category", "dest", "dvc", "ids_type", "severity", "signature", "signature_id", "src", "user", "vendor_product")],
                constraintText: "tag=ids tag=attack"),
            isModelRoot: true);
        var sessions = c.Add(
            new DataModelDataset(
                "Network_Sessions",
                "All_Sessions",
                null,
                ["network", "session"],
                [.. Extracted("duration", "lease_duration", "lease_scope", "response_time", "signature", "signature_id"), .. Calculated("action", "dest_ip", "dest_mac", "dest_nt_host", "dest_dns", "src_ip", "src_mac", "user", "vendor_product")],
                constraintText: "tag=network tag=session"),
            isModelRoot: true);
        c.Add(new DataModelDataset("Network_Sessions", "DHCP", sessions, ["dhcp"], [], constraintText: "tag=dhcp"));
        c.Add(
            new DataModelDataset(
                "Certificates",
                "All_Certificates",
                null,
                ["certificate"],
                [.. Extracted("ssl_end_time", "ssl_engine", "ssl_hash", "ssl_is_valid", "ssl_issuer", "ssl_issuer_common_name", "ssl_name", "ssl_policies", "ssl_publickey", "ssl_serial", "ssl_signature_algorithm", "ssl_start_time", "ssl_subject", "ssl_subject_common_name", "ssl_validity_window", "ssl_version"), .. Calculated("dest", "dest_port", "src", "src_port", "transport")],
                constraintText: "tag=certificate"),
            isModelRoot: true);
    }

    /// <summary>Risk: the risk events Escudo writes.</summary>
    private static void AddRisk(DataModelCatalog c)
    {
        // Risk (Enterprise Security): risk events Escudo writes carry tag=risk.
        c.Add(
            new DataModelDataset(
                "Risk",
                "All_Risk",
                null,
                ["risk"],
                Extracted(
                    "risk_object",
                    "risk_object_type",
                    "risk_object_role",
                    "normalized_risk_object",
                    "risk_score",
                    "risk_message",
                    "threat_object",
                    "threat_object_type",
                    "search_name",
                    "source",
                    "analyticstories",
                    "annotations.mitre_attack",
                    "annotations.mitre_attack.mitre_technique_id",
                    "annotations.mitre_attack.mitre_tactic",
                    "annotations.mitre_attack.mitre_tactic_id",
                    "annotations._all",
                    "calculated_risk_score",
                    "user",
                    "dest",
                    "src"),
                constraintText: "tag=risk"),
            isModelRoot: true);
    }
}
