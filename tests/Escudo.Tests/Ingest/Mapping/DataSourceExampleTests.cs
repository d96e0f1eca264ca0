using System.Text;
using Escudo.Core.Events;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Escudo.Tests.Ingest.Mapping;

/// <summary>
/// The example_log of each Windows data source in escu/data_sources (sourcetype xmlwineventlog) must
/// yield every field that file's <c>fields:</c> list names: that list is what Splunk showed for the
/// event with the add-on installed (S2). Fields that cannot be derived from the event alone are
/// allowed below, each with its reason.
/// </summary>
public sealed class DataSourceExampleTests(ITestOutputHelper output)
{
    /// <summary>Splunk's own fields, made at index or search time from things other than the event text.</summary>
    private static readonly Dictionary<string, string> SplunkOnly = new()
    {
        ["date_hour"] = "timestamp parts in the indexer's time zone (date_*)",
        ["date_mday"] = "date_*",
        ["date_minute"] = "date_*",
        ["date_month"] = "date_*",
        ["date_second"] = "date_*",
        ["date_wday"] = "date_*",
        ["date_year"] = "date_*",
        ["date_zone"] = "date_*",
        ["punct"] = "punctuation signature of _raw (index time)",
        ["linecount"] = "index-time line count",
        ["splunk_server"] = "the search peer's name",
        ["timestartpos"] = "timestamp position found by the indexer",
        ["timeendpos"] = "timestamp position found by the indexer",
        ["tag::eventtype"] = "tags of field values: Splunk's tag:: fields list which field gave each tag",
        ["tag::action"] = "tag:: (as above)",
        ["tag::app"] = "tag:: (as above)",
        ["tag::object_category"] = "tag:: (as above)",
        ["System_Props_Xml"] = "a copy of the System block, which stays in _raw: left out of the row to save memory (no ESCU detection reads it)",
    };

    /// <summary>
    /// Fields that come from add-on lookups or transforms whose files were not found (FIELD_MAPPING.md §6),
    /// so their values cannot be reproduced honestly. Key: field; value: why.
    /// </summary>
    private static readonly Dictionary<string, string> NotDerivable = new()
    {
        ["os"] = "Sysmon 4.x: set by an eventtype/lookup of the current Sysmon add-on, not found",
        ["severity_id"] = "Sysmon 4.x: not in S1; expression of the current add-on not found",
        ["dvc_ip"] = "Sysmon 3: the add-on's source for the device IP is unknown (not in the event)",
        ["app"] = "S3 windows_app_lookup (EventCode/source/Logon_Type → app): lookup file not saved; only the LogonType part is reproduced",
        ["action"] = "outside the codes whose action is seen or inferred: S3 xmlsecurity_eventcode_errorcode_action_lookup / windows_action_lookup not saved",
        ["status"] = "as action (action AS status)",
        ["severity"] = "S3 windows_severity_lookup not saved",
        ["signature"] = "S3 windows_signature_lookup not saved; only codes transcribed in WindowsDescriptions get one",
        ["name"] = "signature AS name (as above)",
        ["subject"] = "signature AS subject (as above)",
        ["service"] = "S3 windows_endpoint_service_service_name_lookup (EventCode → service) not saved",
        ["service_name"] = "as service",
        ["object_attrs"] = "Sysmon 21 / codes missing from xmlsecurity_change_audit_and_account_management.csv",
        ["result"] = "as object_attrs",
        ["change_type"] = "Sysmon 20/21: expression of the current add-on not found",
        ["object"] = "Sysmon 21: expression of the current add-on not found",
        ["object_path"] = "Sysmon 20/21: expression of the current add-on not found",
        ["user_name"] = "Sysmon 20/21: expression of the current add-on not found",
        ["src"] = "Sysmon 20/21: expression of the current add-on not found",
        ["ta_windows_security_CategoryString"] = "S3 windows_signature_lookup not saved",
        ["CategoryString"] = "S3 windows_signature_lookup not saved",
        ["timestamp"] = "Application 3000: neither the event nor the S3 files found give it",
        ["extracted_source"] = "pingid.yml: a PingID (non-Windows) event filed under XmlWinEventLog:Security",
    };

    [Fact]
    public void ExampleLogsYieldTheListedFields()
    {
        var folder = SharedData.Require("escu/data_sources");
        var report = new StringBuilder();
        var checkedSources = 0;
        var unusable = new List<string>();
        var allowedUse = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*.yml").Order(StringComparer.Ordinal))
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(file))
            {
                yaml.Load(reader);
            }

            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            string? Scalar(string key) => root.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s ? s.Value : null;
            var source = Scalar("source");
            var sourceType = Scalar("sourcetype");
            var example = Scalar("example_log");
            if (source is null || example is null || !source.StartsWith("XmlWinEventLog:", StringComparison.Ordinal) || !string.Equals(sourceType, "xmlwineventlog", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!example.Contains("</Event>", StringComparison.Ordinal))
            {
                // Truncated in the YAML (cut mid-event) or not XML at all (a classic WinEventLog rendering).
                unusable.Add(Path.GetFileName(file));
                continue;
            }

            var fields = root.Children.TryGetValue(new YamlScalarNode("fields"), out var f) && f is YamlSequenceNode seq
                ? seq.Children.OfType<YamlScalarNode>().Select(x => x.Value!).ToList()
                : [];
            var rows = InputReader.ReadStream(new MemoryStream(Encoding.UTF8.GetBytes(example)), file, new EventReadOptions(Source: source, SourceType: sourceType), null).ToList();
            if (rows.Count != 1)
            {
                report.AppendLine($"{Path.GetFileName(file)}: example_log gave {rows.Count} events");
                continue;
            }

            checkedSources++;
            var row = rows[0];
            var missing = new List<string>();
            foreach (var name in fields)
            {
                if (row.Has(FieldTable.Intern(name)))
                {
                    continue;
                }

                if (SplunkOnly.ContainsKey(name) || NotDerivable.ContainsKey(name))
                {
                    allowedUse[name] = allowedUse.GetValueOrDefault(name) + 1;
                    continue;
                }

                missing.Add(name);
            }

            if (missing.Count > 0)
            {
                report.AppendLine($"{Path.GetFileName(file)}: missing {string.Join(", ", missing)}");
            }
        }

        output.WriteLine($"{checkedSources} data sources checked; allowed absences (field: data sources): {string.Join(", ", allowedUse.Select(a => $"{a.Key}: {a.Value}"))}");
        output.WriteLine($"{unusable.Count} example_logs unusable (truncated or not XML): {string.Join(", ", unusable)}");
        output.WriteLine($"allow-list: {SplunkOnly.Count} Splunk-only fields, {NotDerivable.Count} not derivable from the add-on files found");
        Assert.True(checkedSources >= 28, $"only {checkedSources} Windows data sources with an example_log");
        Assert.True(report.Length == 0, report.ToString());
    }
}
