using System.Text.Json;
using Escudo.Tests.Support;

namespace Escudo.Tests.Cli;

/// <summary>
/// <c>escudo test</c> names the events behind its results like <c>hunt</c> (issue 15): a
/// must_not_fire test that fires shows each offending result with the file and record of its
/// events, so the false positive can be found in the dataset.
/// </summary>
public sealed class TestEvidenceTests
{
    [Fact]
    public void A_must_not_fire_failure_names_the_file_and_record_of_the_events_that_fired()
    {
        using var content = TempContent.Founding();
        var file = Path.Combine(content.Detections, "endpoint", "detect_regasm_with_network_connection.yml");
        // The benign test points at the attack dataset: the detection fires where the test says it must not.
        File.WriteAllText(file, File.ReadAllText(file).Replace("datasets/escudo/benign/sysmon.log", "datasets/escudo/regasm/sysmon.log", StringComparison.Ordinal));
        var datasets = Path.Combine(SharedData.RepoRoot, "tests", "detection-tests", "datasets");
        var r = EscudoProcess.Run("test", "--content", content.Root, "--datasets", datasets, "--only", "Detect Regasm with Network Connection");

        Assert.Equal(1, r.ExitCode);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("FAIL Detect Regasm with Network Connection :: No alert on benign activity", StringComparison.Ordinal));
        var results = lines.SkipWhile(l => !l.StartsWith("FAIL", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l.Trim()).RootElement).ToList();
        Assert.NotEmpty(results);
        var dataset = Path.Combine(datasets, "escudo", "regasm", "sysmon.log");
        var records = File.ReadAllText(dataset);
        foreach (var result in results)
        {
            var evidence = result.GetProperty("escudo_evidence").EnumerateArray().ToList();
            Assert.NotEmpty(evidence);
            Assert.All(evidence, e =>
            {
                Assert.Equal(dataset, e.GetProperty("file").GetString());
                Assert.Contains($"<EventRecordID>{e.GetProperty("record").GetString()}</EventRecordID>", records, StringComparison.Ordinal);
            });
        }
    }
}
