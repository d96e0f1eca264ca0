using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Mapping;

/// <summary>
/// For every .evtx and .zip recording of shared/datasets, the rows of each CIM dataset must number
/// what the MANIFEST's EventID histograms imply under the eventtype → tag → dataset wiring of the
/// add-ons (written out again below, independently of WindowsEventTypes, from S1/S3 eventtypes.conf,
/// tags.conf and S4's constraints). Where a constraint reads a field (4625 status, machine accounts,
/// 4670 ObjectType, account-management Task), the correction is counted from the raw fields.
/// Each file is read once; all mismatches are reported together.
/// </summary>
public sealed class DatasetCountTests
{
    private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
    private const string Security = "Security";
    private const string System = "System";

    private static readonly string[] AuditLogonStatuses =
        ["0xC0000064", "0xC000006A", "0xC000006F", "0xC0000070", "0xC0000071", "0xC0000072", "0xC000018C", "0xC0000192", "0xC0000193", "0xC0000234", "0xC00002EE", "0xC0000413"];

    private static readonly string[] AccountTasks = ["13824", "13825", "13826", "13827", "13828", "13829"];

    private static readonly int[] ServiceCodes = [1100, 4697, 5024, 5025, 5030, 5033, 5034, 5035, 5478, 7036, 7040, 7045];

    // Authentication (S3 tags.conf: authentication), 4625 handled apart (its eventtype reads ta_windows_action).
    private static readonly int[] AuthCodes = [4624, 4648, 4672, 4768, 4769, 4773, 4771, 4774, 4775, 4776, 4777, 4801];

    // Tag "change" (S3) on Security codes; the object_category of windows_audit_changes.csv never excludes them.
    private static readonly int[] ChangeCodes = [1100, 1101, 1102, 1105, 1108, 4703, 4704, 4705, 4715, 4717, 4718, 4719, 4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4741, 4742, 4743, 4767, 4781, 4912, 5461];

    // Tag "account" (S3) on Security codes.
    private static readonly int[] AccountCodes = [4703, 4704, 4705, 4717, 4718, 4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4741, 4742, 4743, 4767, 4781];

    /// <summary>A dataset's membership: per channel, the event codes that always land in it, and a raw-field condition for the rest.</summary>
    private sealed record Spec(string Dataset, (string Channel, int[] Codes)[] Always, Func<string, int, Row, bool>? Conditional = null, Func<string, int, Row, bool>? Excluded = null);

    private static bool Is(string channel, string want) => channel.Equals(want, StringComparison.OrdinalIgnoreCase);

    private static string? Raw(Row r, string name) => r.Get(name).FirstString();

    private static bool RawIn(Row r, string name, string[] values) => Raw(r, name) is { } s && values.Any(v => v.Equals(s, StringComparison.OrdinalIgnoreCase));

    private static bool Failure4625Counted(string ch, int code, Row r) =>
        Is(ch, Security) && code == 4625 && !RawIn(r, "Status", ["0xC0000133", "0xC0000225"]);

    private static bool InAuthentication(string ch, int code, Row r) => (Is(ch, Security) && AuthCodes.Contains(code)) || Failure4625Counted(ch, code, r);

    // CIM Authentication: NOT (action=success user=*$). action=success is the audit-success keyword; user is TargetUserName.
    private static bool SuccessfulMachineLogon(Row r) =>
        Raw(r, "Keywords") == "0x8020000000000000" && Raw(r, "TargetUserName") is { } u && u.EndsWith('$');

    private static bool AccountTask(string ch, Row r) => Is(ch, Security) && RawIn(r, "Task", AccountTasks);

    private static readonly Spec[] Specs =
    [
        new("Endpoint.Processes", [(Sysmon, [1]), (Security, [4688])]),
        new("Endpoint.Registry", [(Sysmon, [12, 13, 14]), (Security, [4657])], (ch, code, r) => Is(ch, Security) && code == 4670 && RawIn(r, "ObjectType", ["Registry"])),
        new("Endpoint.Filesystem", [(Sysmon, [2, 11, 23, 26])]),
        new("Endpoint.Services", [(Security, ServiceCodes), (System, ServiceCodes)]),
        new("Endpoint.Ports", [(Sysmon, [3]), (Security, [5158, 4957])]),
        new("Network_Traffic.All_Traffic", [(Sysmon, [3])]),
        new("Network_Resolution.DNS", [(Sysmon, [22])]),
        new("Authentication.Authentication", [(Security, AuthCodes)], Failure4625Counted, (ch, code, r) => InAuthentication(ch, code, r) && SuccessfulMachineLogon(r)),
        new("Authentication.Failed_Authentication", [], (ch, code, r) => InAuthentication(ch, code, r) && Raw(r, "Keywords") == "0x8010000000000000"),
        new("Authentication.Successful_Authentication", [], (ch, code, r) => InAuthentication(ch, code, r) && Raw(r, "Keywords") == "0x8020000000000000" && !SuccessfulMachineLogon(r)),
        new("Change.All_Changes", [(Sysmon, [19, 20, 21]), (Security, ChangeCodes)], (ch, code, r) =>
            !ChangeCodes.Contains(code) && (AccountTask(ch, r) || (Is(ch, Security) && code == 4625 && RawIn(r, "Status", AuditLogonStatuses)))),
        new("Change.Endpoint_Changes", [(Sysmon, [19, 20, 21]), (Security, [1100, 1102])]),
        new("Change.Account_Management", [(Security, AccountCodes)], (ch, code, r) => !AccountCodes.Contains(code) && AccountTask(ch, r)),
    ];

    /// <summary>HistogramKnown is false where evtxexport could not read the file (MANIFEST: 0 events and a note instead of a histogram).</summary>
    private sealed record ManifestEntry(string Path, long Events, Dictionary<(string Channel, int Code), long> Histogram, bool HistogramKnown);

    private static List<ManifestEntry> ReadManifest(string datasets)
    {
        var entries = new List<ManifestEntry>();
        foreach (var line in File.ReadLines(Path.Combine(datasets, "MANIFEST.tsv")).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length < 8 || !(cols[0].EndsWith(".evtx", StringComparison.OrdinalIgnoreCase) || cols[0].EndsWith(".zip", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var histogram = new Dictionary<(string, int), long>();
            foreach (var channelPart in cols[7].Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var eqAt = channelPart.IndexOf('=');
                if (eqAt < 0)
                {
                    continue;
                }

                var colon = channelPart.LastIndexOf(':', eqAt);
                var channel = channelPart[..colon];
                foreach (var pair in channelPart[(colon + 1)..].Split(','))
                {
                    var eq = pair.Split('=');
                    histogram[(channel, int.Parse(eq[0], CultureInfo.InvariantCulture))] = long.Parse(eq[1], CultureInfo.InvariantCulture);
                }
            }

            entries.Add(new ManifestEntry(cols[0], long.Parse(cols[6], CultureInfo.InvariantCulture), histogram, cols[7].Contains('=')));
        }

        return entries;
    }

    private sealed class FileResult
    {
        public long Events;
        public readonly Dictionary<(string, int), long> Histogram = [];
        public readonly Dictionary<string, long> Actual = [];
        public readonly Dictionary<string, long> Conditional = [];
        public readonly Dictionary<string, long> Excluded = [];
    }

    private static FileResult ReadOnce(string path, DataModelDataset[] datasets)
    {
        var result = new FileResult();
        var channelId = FieldTable.Intern("Channel");
        var codeId = FieldTable.Intern("EventCode");
        foreach (var row in InputReader.Read(path))
        {
            result.Events++;
            var channel = row.Get(channelId).FirstString() ?? string.Empty;
            var code = int.TryParse(row.Get(codeId).FirstString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : -1;
            var key = (channel, code);
            result.Histogram[key] = result.Histogram.GetValueOrDefault(key) + 1;
            for (var i = 0; i < Specs.Length; i++)
            {
                var spec = Specs[i];
                if (DataModelMapper.Matches(datasets[i], row))
                {
                    result.Actual[spec.Dataset] = result.Actual.GetValueOrDefault(spec.Dataset) + 1;
                }

                if (spec.Conditional?.Invoke(channel, code, row) == true)
                {
                    result.Conditional[spec.Dataset] = result.Conditional.GetValueOrDefault(spec.Dataset) + 1;
                }

                if (spec.Excluded?.Invoke(channel, code, row) == true)
                {
                    result.Excluded[spec.Dataset] = result.Excluded.GetValueOrDefault(spec.Dataset) + 1;
                }
            }
        }

        return result;
    }

    private static long FromHistogram(Spec spec, Dictionary<(string Channel, int Code), long> histogram) =>
        histogram.Where(h => spec.Always.Any(a => Is(h.Key.Channel, a.Channel) && a.Codes.Contains(h.Key.Code))).Sum(h => h.Value);

    /// <summary>
    /// Totals over every recording, pinned so that a change of rules shows up here as a number.
    /// Update them only with a reason (and the per-file check above still passing).
    /// </summary>
    private static readonly Dictionary<string, long> PinnedTotals = new()
    {
        ["Endpoint.Processes"] = 2712,
        ["Endpoint.Registry"] = 47754,
        ["Endpoint.Filesystem"] = 1978,
        ["Endpoint.Services"] = 75,
        ["Endpoint.Ports"] = 3989,
        ["Network_Traffic.All_Traffic"] = 878,
        ["Network_Resolution.DNS"] = 93,
        ["Authentication.Authentication"] = 4579,
        ["Authentication.Failed_Authentication"] = 3569,
        ["Authentication.Successful_Authentication"] = 1010,
        ["Change.All_Changes"] = 2984,
        ["Change.Endpoint_Changes"] = 78,
        ["Change.Account_Management"] = 2868,
    };

    [Fact]
    public void EveryRecordingFillsTheDatasetsItsHistogramImplies()
    {
        var datasetsFolder = SharedData.Require("datasets");
        var manifest = ReadManifest(datasetsFolder);
        Assert.True(manifest.Count > 400, $"only {manifest.Count} .evtx/.zip entries in MANIFEST.tsv");
        var datasets = Specs.Select(s => DataModelCatalog.Cim.Resolve(s.Dataset) ?? throw new InvalidOperationException(s.Dataset)).ToArray();

        var results = new ConcurrentDictionary<string, FileResult>();
        Parallel.ForEach(manifest.OrderByDescending(m => m.Events), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, entry =>
            results[entry.Path] = ReadOnce(Path.Combine(datasetsFolder, entry.Path), datasets));

        var problems = new StringBuilder();
        var totals = new Dictionary<string, long>();
        var checkedRows = 0L;
        var unknownHistograms = 0;
        foreach (var entry in manifest)
        {
            var r = results[entry.Path];
            var histogram = entry.Histogram;
            if (!entry.HistogramKnown)
            {
                // evtxexport read nothing here while Escudo's reader does: the implied counts come from the histogram Escudo read.
                unknownHistograms++;
                histogram = r.Histogram;
            }
            else if (r.Events != entry.Events)
            {
                problems.AppendLine(CultureInfo.InvariantCulture, $"{entry.Path}: read {r.Events} events, MANIFEST says {entry.Events}");
            }

            foreach (var (key, n) in entry.Histogram)
            {
                var got = r.Histogram.GetValueOrDefault(key);
                if (got != n)
                {
                    problems.AppendLine(CultureInfo.InvariantCulture, $"{entry.Path}: {key.Channel}:{key.Code} read {got}, MANIFEST says {n}");
                }
            }

            foreach (var spec in Specs)
            {
                var expected = FromHistogram(spec, histogram) + r.Conditional.GetValueOrDefault(spec.Dataset) - r.Excluded.GetValueOrDefault(spec.Dataset);
                var actual = r.Actual.GetValueOrDefault(spec.Dataset);
                totals[spec.Dataset] = totals.GetValueOrDefault(spec.Dataset) + actual;
                checkedRows += actual;
                if (expected != actual)
                {
                    problems.AppendLine(CultureInfo.InvariantCulture, $"{entry.Path}: {spec.Dataset} has {actual} rows, expected {expected}");
                }
            }
        }

        foreach (var (dataset, pinned) in PinnedTotals)
        {
            if (totals.GetValueOrDefault(dataset) != pinned)
            {
                problems.AppendLine(CultureInfo.InvariantCulture, $"total {dataset} = {totals.GetValueOrDefault(dataset)}, pinned {pinned}");
            }
        }

        var summary = string.Join(", ", totals.Select(t => $"{t.Key}={t.Value}"));
        Assert.True(problems.Length == 0, problems + "totals: " + summary);
        Assert.True(checkedRows > 0, "no data model rows at all");
        Assert.True(unknownHistograms < 20, $"{unknownHistograms} recordings without a MANIFEST histogram");
    }
}
