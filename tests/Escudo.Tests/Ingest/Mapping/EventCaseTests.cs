using System.Text;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Ingest.Sources;
using Escudo.Ingest.Windows;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Mapping;

/// <summary>
/// One real event per EventID (cases/*.expected): the header names the recording under
/// shared/datasets, the EventCode and the EventRecordID; the body is every calculated field the
/// add-on tables give the event (with the evidence of the rule that set it, after <c>#</c>), its
/// eventtypes and tags, and every field of each CIM dataset row it lands in. Run with ESCUDO_ACCEPT=1
/// to rewrite the bodies (a header without <c>record=</c> takes the first event with that EventCode);
/// review every value against the evidence before committing. Under CI (CI=true) ESCUDO_ACCEPT=1 fails.
/// </summary>
public sealed class EventCaseTests
{
    private static readonly Dictionary<int, FieldRule> FirstRuleByTarget = [];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(CasesFolder, "*.expected").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    private static string CasesFolder => Path.Combine(SharedData.RepoRoot, "tests", "Escudo.Tests", "Ingest", "Mapping", "cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void EventMapsAsExpected(string caseName)
    {
        var path = Path.Combine(CasesFolder, caseName);
        var lines = File.ReadAllLines(path);
        var header = lines.TakeWhile(l => !l.StartsWith("---", StringComparison.Ordinal)).ToList();
        string? Get(string key) => header.FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];
        var file = Get("file") ?? throw new InvalidOperationException("no file= in " + caseName);
        var code = Get("eventcode") ?? throw new InvalidOperationException("no eventcode= in " + caseName);
        var record = Get("record");

        var row = InputReader.Read(Path.Combine(SharedData.Require("datasets"), file))
            .FirstOrDefault(r => r.Get("EventCode").FirstString() == code && (record is null || r.Get("EventRecordID").FirstString() == record));
        Assert.True(row is not null, $"{caseName}: no event EventCode={code} record={record} in {file}");

        var headerOut = header.Where(l => !l.StartsWith("record=", StringComparison.Ordinal)).ToList();
        var at = headerOut.FindIndex(l => l.StartsWith("eventcode=", StringComparison.Ordinal));
        headerOut.Insert(at + 1, "record=" + row!.Get("EventRecordID").FirstString());
        var actual = string.Join('\n', headerOut) + "\n" + Render(row);

        if (CiEnvironment.AcceptSnapshots())
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.Equal(string.Join('\n', lines) + "\n", actual);
    }

    private static string Render(Row row)
    {
        lock (FirstRuleByTarget)
        {
            if (FirstRuleByTarget.Count == 0)
            {
                foreach (var r in WindowsFieldRules.Rules)
                {
                    FirstRuleByTarget.TryAdd(r.TargetId, r);
                }
            }
        }

        var channel = row.Get("Channel").FirstString() ?? string.Empty;
        var code = int.Parse(row.Get("EventCode").FirstString() ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append("--- calculated fields (rule evidence after #)\n");
        var calculated = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var rule in WindowsFieldRules.Rules)
        {
            if (calculated.ContainsKey(rule.Target) || !(rule.Source == WindowsFieldRules.AnyChannel || rule.Source.Equals(channel, StringComparison.OrdinalIgnoreCase)) || !rule.AppliesTo(code))
            {
                continue;
            }

            var v = row.Get(rule.TargetId);
            if (v.IsNull || rule.Compute(row).IsNull)
            {
                continue; // the field came from the raw event, not from this rule
            }

            calculated[rule.Target] = $"{rule.Target}={Show(v)}  # {rule.Evidence}";
        }

        foreach (var line in calculated.Values)
        {
            sb.Append(line).Append('\n');
        }

        sb.Append("eventtype=").Append(Show(row.Get("eventtype"))).Append('\n');
        sb.Append("tag=").Append(Show(row.Get("tag"))).Append('\n');
        foreach (var ds in DataModelCatalog.Cim.Datasets.OrderBy(d => d.FullName, StringComparer.Ordinal))
        {
            if (!DataModelMapper.Matches(ds, row))
            {
                continue;
            }

            sb.Append("--- ").Append(ds.FullName).Append('\n');
            var projected = DataModelMapper.Project(ds, row);
            var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < projected.Count; i++)
            {
                fields[projected.NameAt(i)] = Show(projected.ValueAt(i));
            }

            foreach (var (k, v) in fields)
            {
                sb.Append(k).Append('=').Append(v).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string Show(Escudo.Core.Values.Value v)
    {
        var items = v.Items.ToArray();
        var s = items.Length == 1 ? items[0] : "[" + string.Join(" | ", items) + "]";
        s = s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return s.Length > 300 ? s[..300] + "…(" + s.Length + " chars)" : s;
    }
}
