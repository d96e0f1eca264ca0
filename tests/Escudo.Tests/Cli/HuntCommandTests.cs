using System.Text.Json;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>`escudo hunt` end to end on the founding fixtures: the contract's summary, notables and risk events as ES names them.</summary>
public class HuntCommandTests
{
    [Fact]
    public void FoundingDetectionsProduceNotablesAndRiskWithTheirMessagesAndScores()
    {
        var root = SharedData.RepoRoot;
        var outDir = Path.Combine(Path.GetTempPath(), "escudo-hunt-" + Guid.NewGuid().ToString("N"));
        var r = EscudoProcess.Run("hunt", "--content", Path.Combine(root, "tests/detection-tests/content"), "--input", Path.Combine(root, "tests/fixtures/founding/regasm_sysmon.xml"), "--input", Path.Combine(root, "tests/fixtures/founding/rms_sysmon.xml"), "--out", outDir, "--format", "json");
        Assert.Equal(0, r.ExitCode);

        using var summary = JsonDocument.Parse(r.Stdout);
        var det = summary.RootElement.GetProperty("detections");
        Assert.Equal(14, summary.RootElement.GetProperty("events").GetInt32()); // 9 + 5 fixture events
        Assert.Equal(4, det.GetProperty("total").GetInt32());
        Assert.Equal(4, det.GetProperty("run").GetInt32());
        Assert.Equal(0, det.GetProperty("unsupported").GetInt32());
        Assert.Equal(2, det.GetProperty("fired").GetInt32());
        var results = summary.RootElement.GetProperty("results").EnumerateArray().ToDictionary(e => e.GetProperty("detection").GetString()!, e => e.GetProperty("count").GetInt32());
        Assert.Equal(2, results["Detect Regasm with Network Connection"]);
        Assert.Equal(3, results["Windows Remote Access Software RMS Registry"]);

        var notables = File.ReadAllLines(Path.Combine(outDir, "notables.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var risks = File.ReadAllLines(Path.Combine(outDir, "risk.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(5, notables.Count);
        Assert.All(notables, n => Assert.StartsWith("ESCU - ", n.GetProperty("search_name").GetString(), StringComparison.Ordinal));

        // RMS: one risk event per result on `dest` (observable role Victim), score 90, message filled.
        var rms = risks.Where(x => x.GetProperty("search_name").GetString() == "ESCU - Windows Remote Access Software RMS Registry - Rule").ToList();
        Assert.Equal(3, rms.Count);
        Assert.All(rms, x => Assert.Equal("90", x.GetProperty("risk_score").GetString()));
        Assert.Contains(rms, x => x.GetProperty("risk_message").GetString() == "the registry related to RMS tool is created in wks-01.corp.example");
        Assert.All(rms, x => Assert.Equal("system", x.GetProperty("risk_object_type").GetString()));

        // Regasm: user and dest are Victim risk objects (score 80), process_name the threat object.
        var regasm = risks.Where(x => x.GetProperty("search_name").GetString() == "ESCU - Detect Regasm with Network Connection - Rule").ToList();
        Assert.Equal(4, regasm.Count); // 2 results x (user, dest)
        Assert.All(regasm, x => Assert.Equal("80", x.GetProperty("risk_score").GetString()));
        Assert.Contains(regasm, x => x.GetProperty("risk_object").GetString() == "bob" && x.GetProperty("risk_object_type").GetString() == "user");
        Assert.All(regasm, x => Assert.Equal("regasm.exe", x.GetProperty("threat_object").GetString()));
        Assert.Contains(regasm, x => x.GetProperty("risk_message").GetString() == "An instance of regasm.exe contacting a remote destination was identified on endpoint 185.199.108.133 by user bob. This behavior is not normal for regasm.exe.");
        Assert.All(regasm, x => Assert.Equal(JsonValueKind.Array, x.GetProperty("annotations.mitre_attack.mitre_technique_id").ValueKind));
        Directory.Delete(outDir, recursive: true);
    }
}
