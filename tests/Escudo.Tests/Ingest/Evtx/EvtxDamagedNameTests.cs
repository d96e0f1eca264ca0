using System.Buffers.Binary;
using System.Text;
using Escudo.Ingest;
using Escudo.Ingest.Evtx;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Evtx;

/// <summary>
/// Issue 14: a damaged element name (here '&lt;' written over a letter of "Computer" in the
/// template of the first chunk, CRCs recomputed so only the name is wrong) used to cost every
/// record that uses it, even in export; evtxexport still renders them. Escudo keeps them, writes
/// the name encoded so the XML stays well formed, and reports it.
/// </summary>
public sealed class EvtxDamagedNameTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"escudo-damaged-name-{Guid.NewGuid():N}.evtx");

    public void Dispose() => File.Delete(_file);

    private static int ReadAll(string file, List<IngestProblem> problems, List<string> xml)
    {
        using var evtx = EvtxFile.Open(file);
        foreach (var r in evtx.ReadRecords(problems.Add))
        {
            xml.Add(r.Xml);
        }

        return xml.Count;
    }

    private string Damage()
    {
        var bytes = File.ReadAllBytes(SharedData.Require("datasets/evtx-rs-samples/sysmon.evtx"));
        const int chunkStart = 4096;
        var chunk = bytes.AsSpan(chunkStart, 65536);

        // A name structure: u16 length 8, "Computer" in UTF-16, u16 NUL.
        var pattern = new byte[] { 8, 0 }.Concat(Encoding.Unicode.GetBytes("Computer")).Concat(new byte[] { 0, 0 }).ToArray();
        var at = chunk.IndexOf(pattern);
        Assert.True(at > 512, "the first chunk defines the name Computer");
        chunk[at + 2 + 2] = (byte)'<'; // "C<mputer"

        var freeSpace = (int)BinaryPrimitives.ReadUInt32LittleEndian(chunk[48..]);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk[52..], System.IO.Hashing.Crc32.HashToUInt32(chunk[512..freeSpace]));
        var header = chunk[..120].ToArray().Concat(chunk[128..512].ToArray()).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(chunk[124..], System.IO.Hashing.Crc32.HashToUInt32(header));
        File.WriteAllBytes(_file, bytes);
        return _file;
    }

    [Fact]
    public void RecordsWithADamagedNameAreKeptWithTheNameEncodedAndReported()
    {
        var original = SharedData.Require("datasets/evtx-rs-samples/sysmon.evtx");
        var originalProblems = new List<IngestProblem>();
        var expected = ReadAll(original, originalProblems, []);
        var problems = new List<IngestProblem>();
        var xml = new List<string>();
        Assert.Equal(expected, ReadAll(Damage(), problems, xml));
        Assert.Contains(problems, p => p.What == "name" && p.Message.Contains("written as C_x003C_mputer", StringComparison.Ordinal) && p.Message.Contains("record kept", StringComparison.Ordinal));
        // Beside the chunks the original already lacks, the only new problem is the name.
        var added = problems.Select(p => (p.Offset, p.What, p.Message)).Except(originalProblems.Select(p => (p.Offset, p.What, p.Message))).ToList();
        Assert.True(added.All(p => p.What == "name"), string.Join("\n", added));
        Assert.Contains(xml, x => x.Contains("<C_x003C_mputer>", StringComparison.Ordinal));
        Assert.All(xml, x => EvtxTestSupport.ParseOne(x));
    }

    [EvtxexportFact]
    public void EscudoKeepsAtLeastTheRecordsEvtxexportRendersFromTheDamagedFile()
    {
        var file = Damage();
        // evtxexport writes the name as it is ("<C<mputer>"), which is not XML: its events are counted, not parsed.
        var psi = new System.Diagnostics.ProcessStartInfo(EvtxTestSupport.Evtxexport!) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("xml");
        psi.ArgumentList.Add(file);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        _ = stderr.Result;
        var rendered = System.Text.RegularExpressions.Regex.Count(text, "^<Event xmlns", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.Contains("<C<mputer>", text, StringComparison.Ordinal);
        Assert.True(rendered > 0);
        Assert.True(ReadAll(file, [], []) >= rendered, $"evtxexport renders {rendered} records");
    }
}
