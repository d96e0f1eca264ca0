using System.Text;
using Escudo.Detections.Output;
using Escudo.Ingest.Sources;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Text;

/// <summary>
/// The text readers give the same events whatever the buffer boundaries: the input is fed through
/// a stream that returns it a few bytes at a time (every chunk size from 1 to 17, and random sizes),
/// and the events must equal those read in one go.
/// </summary>
public class SplitReadTests
{
    private sealed class TrickleStream(byte[] data, Func<int> nextChunk) : ReadOnlyForwardStream
    {
        private int _pos;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, nextChunk()), data.Length - _pos);
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

    }

    private static List<string> ReadAll(Stream s) =>
        InputReader.ReadStream(s, "split", EventReadOptions.Default, p => throw new InvalidOperationException(p.ToString())).Select(ResultJson.ToJsonLine).ToList();

    public static TheoryData<string> Inputs() => new()
    {
        "tests/fixtures/founding/regasm_sysmon.xml",
        "tests/fixtures/founding/rms_sysmon.xml",
        "json",
        "pretty-xml",
    };

    private static byte[] Load(string which)
    {
        if (which == "json")
        {
            // HEC shape and a flat NXLog-style Windows event, with multi-byte characters.
            return Encoding.UTF8.GetBytes(
                "{\"time\":1700000000,\"host\":\"h1\",\"sourcetype\":\"custom\",\"event\":{\"msg\":\"héllo wörld\",\"n\":[1,2]}}\n"
                + "{\"EventID\":4688,\"Channel\":\"Security\",\"Hostname\":\"dc1.corp\",\"@timestamp\":\"2024-01-02T03:04:05.678Z\",\"NewProcessName\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"CommandLine\":\"cmd /c echo ünïcode & more\",\"SubjectUserName\":\"bob\"}\n");
        }

        if (which == "pretty-xml")
        {
            // evtxexport-style: pretty-printed, double-quoted attributes, blank lines between events.
            var one = File.ReadAllLines(Path.Combine(SharedData.RepoRoot, "tests/fixtures/founding/rms_sysmon.xml"))[0];
            var pretty = one.Replace("><", ">\n  <", StringComparison.Ordinal).Replace('\'', '"');
            return Encoding.UTF8.GetBytes("evtxexport 20181227\n\n" + pretty + "\n\n" + pretty.Replace("10:00:10", "10:00:11", StringComparison.Ordinal) + "\n");
        }

        return File.ReadAllBytes(Path.Combine(SharedData.RepoRoot, which));
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void SameEventsWhateverTheChunkSizes(string which)
    {
        var data = Load(which);
        var whole = ReadAll(new MemoryStream(data));
        var expected = which switch
        {
            "json" => 2,
            "pretty-xml" => 2,
            _ => File.ReadAllLines(Path.Combine(SharedData.RepoRoot, which)).Length,
        };
        Assert.Equal(expected, whole.Count);
        for (var size = 1; size <= 17; size++)
        {
            var s = size;
            Assert.Equal(whole, ReadAll(new TrickleStream(data, () => s)));
        }

        var random = new Random(20261123);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(whole, ReadAll(new TrickleStream(data, () => random.Next(1, 4096))));
        }
    }
}
