using System.Text;
using Escudo.Detections.Output;
using Escudo.Ingest;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Text;

/// <summary>
/// JSON lines and XmlWinEventLog are parsed and mapped on several threads. The caller must not be
/// able to tell: the same rows, in file order, and the same problems at the same lines, as with
/// one thread.
/// </summary>
public class ParallelTextReadTests
{
    [Fact]
    public void ZippedJsonRecordingsReadOnFourThreadsAsOnOne()
    {
        var folder = Path.Combine(SharedData.Require("datasets"), "Security-Datasets");
        var files = Directory.EnumerateFiles(folder, "*.zip", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(6).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var one = Read(file, 1);
            var four = Read(file, 4);
            Assert.True(one.Rows.Count > 0, file);
            Assert.Equal(one.Rows, four.Rows);
            Assert.Equal(one.Problems, four.Problems);
        }
    }

    [Fact]
    public void DamagedTextKeepsItsProblemsAtTheirLinesWhateverTheThreads()
    {
        // 1,000 JSON lines with bad ones and blank ones among them, and XML events with one lacking its EventID.
        var json = new StringBuilder();
        var xml = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            json.AppendLine(i % 97 == 0 ? "{broken" : i % 89 == 0 ? string.Empty : i % 83 == 0 ? "[1,2]" : $"{{\"time\": {1_700_000_000 + i}, \"host\": \"h{i % 7}\", \"sourcetype\": \"demo\", \"event\": {{\"n\": {i}}}}}");
            var id = i % 101 == 0 ? string.Empty : $"<EventID>{4688 + (i % 3)}</EventID>";
            xml.AppendLine($"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing'/>{id}<TimeCreated SystemTime='2024-01-01T00:00:{i % 60:D2}.000Z'/><Channel>Security</Channel><Computer>pc{i}</Computer></System><EventData><Data Name='n'>{i}</Data></EventData></Event>");
        }

        foreach (var (text, ext) in new[] { (json.ToString(), ".json"), (xml.ToString(), ".xml") })
        {
            var path = Path.Combine(Path.GetTempPath(), $"escudo-parallel-{Guid.NewGuid():N}{ext}");
            File.WriteAllText(path, text);
            try
            {
                var one = Read(path, 1);
                var three = Read(path, 3);
                Assert.NotEmpty(one.Problems);
                Assert.Equal(one.Rows, three.Rows);
                Assert.Equal(one.Problems, three.Problems);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    private static (List<string> Rows, List<string> Problems) Read(string path, int threads)
    {
        var problems = new List<string>();
        var rows = InputReader.Read(path, EventReadOptions.Default with { Threads = threads }, p => problems.Add($"{p.Offset} {p.What}: {p.Message}"))
            .Select(ResultJson.ToJsonLine)
            .ToList();
        return (rows, problems);
    }
}
