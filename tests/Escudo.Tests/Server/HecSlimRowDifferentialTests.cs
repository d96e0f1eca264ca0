using System.Text;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Detections.Output;
using Escudo.Ingest.Sources;
using Escudo.Server.Http;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Tests.Support;

namespace Escudo.Tests.Server;

/// <summary>
/// The same HEC requests sent to two stores: one whose Windows XML rows wait for their commit as
/// <see cref="XmlRowRecipe.Slim"/> makes them, one whose rows wait whole (main's path). Every
/// stored column must be byte-identical, and searches must return the same results.
/// </summary>
public sealed class HecSlimRowDifferentialTests
{
    /// <summary>Real Windows XML events: the XmlWinEventLog sample and the first events of each EVTX recording.</summary>
    private static List<(string Raw, string Source)> DatasetEvents(int perRecording)
    {
        var datasets = SharedData.Require("datasets");
        var events = File.ReadLines(Path.Combine(datasets, "security_content/data_sources/example_logs.xmlwineventlog.txt"))
            .Where(l => l.Contains("<Event", StringComparison.Ordinal))
            .Select(l => (l, "XmlWinEventLog:sample"))
            .ToList();
        foreach (var file in Directory.EnumerateFiles(datasets, "*.evtx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (var row in InputReader.Read(file, problems: _ => { }).Take(perRecording))
            {
                if (row.Get(FieldTable.Raw).FirstString() is { } raw && raw.StartsWith("<Event", StringComparison.Ordinal))
                {
                    events.Add((raw, row.Get(FieldTable.Source).FirstString() ?? "unknown"));
                }
            }
        }

        return events;
    }

    /// <summary>
    /// Envelopes that vary what is set after mapping (HEC fields, string and absent times, no
    /// metadata so a token's defaults apply, an upper-case index) and a few events that are not
    /// Windows XML, so slim and whole rows share requests.
    /// </summary>
    private static List<string> Objects(List<(string Raw, string Source)> events)
    {
        var objects = new List<string>();
        for (var i = 0; i < events.Count; i++)
        {
            var (raw, source) = events[i];
            var ev = JsonSerializer.Serialize(raw);
            objects.Add((i % 6) switch
            {
                0 => $"{{\"time\":{1_700_000_000 + i},\"source\":{JsonSerializer.Serialize(source)},\"sourcetype\":\"XmlWinEventLog\",\"event\":{ev}}}",
                1 => $"{{\"time\":\"{1_700_000_000 + i}.5\",\"host\":\"h{i % 7}\",\"index\":\"Main\",\"fields\":{{\"site\":\"lab\",\"EventCode\":\"9{i % 3}\",\"tags\":[\"a\",\"b\"]}},\"event\":{ev}}}",
                2 => $"{{\"event\":{ev}}}",
                3 => $"{{\"sourcetype\":\"XmlWinEventLog\",\"fields\":{{\"_raw\":\"replaced {i}\"}},\"event\":{ev}}}",
                4 => $"{{\"time\":{1_700_000_000 + i},\"event\":\"plain line {i} <Event\"}}",
                _ => $"{{\"time\":{1_700_000_000 + i},\"host\":null,\"source\":12,\"event\":{ev}}}",
            });
        }

        return objects;
    }

    private static readonly string[] Searches =
    [
        "index=main | stats count by EventCode, sourcetype, host",
        "EventCode=4688 OR EventCode=1 | table _time, host, EventCode, process_name, parent_process_name, user",
        "site=lab | stats count by tags, EventCode",
        "sourcetype=XmlWinEventLog | stats dc(EventRecordID) as records, count by source",
        "tag=process | stats count by eventtype",
        "*Sysmon* | head 50 | table _raw",

        // Equalities on key fields, narrowed by field_keys (the slim rows once lost their keys).
        "process_name=cmd.exe OR process_name=powershell.exe | stats count by process_name, host",
        "EventCode=4624 TargetUserName=* LogonType=3 | stats count by TargetUserName",
    ];

    [Fact]
    public async Task Slim_rows_store_byte_identical_columns_and_search_the_same_as_whole_rows()
    {
        var objects = Objects(DatasetEvents(perRecording: 30));
        Assert.True(objects.Count > 3_000, $"{objects.Count} events");
        using var slim = new HecDifferentialSupport(slimXmlRows: true);
        using var whole = new HecDifferentialSupport(slimXmlRows: false);
        var raw = new StringBuilder();
        foreach (var chunk in objects.Chunk(400))
        {
            var body = string.Join("\n", chunk);
            foreach (var (hec, token) in new[] { (slim, HecDifferentialSupport.Plain), (whole, HecDifferentialSupport.Plain), (slim, HecDifferentialSupport.WithDefaults), (whole, HecDifferentialSupport.WithDefaults) })
            {
                Assert.Equal(200, (await hec.EventAsync(body, token)).Status);
            }
        }

        // /raw lines: XML and text, with the request's metadata.
        foreach (var (r, _) in DatasetEvents(perRecording: 3))
        {
            raw.Append(r).Append('\n').Append("text line ").Append(raw.Length).Append('\n');
        }

        foreach (var hec in new[] { slim, whole })
        {
            Assert.Equal(200, (await hec.RawAsync(raw.ToString(), HecDifferentialSupport.WithDefaults, "?sourcetype=XmlWinEventLog&host=rawhost")).Status);
        }

        var expected = Columns(whole.Store);
        var actual = Columns(slim.Store);
        Assert.Equal(expected.Count, actual.Count);
        Assert.True(expected.Count > 2 * objects.Count, $"{expected.Count} rows stored");
        Assert.Contains(actual, c => c.Contains("\u001f[1,", StringComparison.Ordinal)); // recipes were stored
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"stored row {i} differs:\n{expected[i]}\n---\n{actual[i]}");
        }

        foreach (var search in Searches)
        {
            var fromWhole = Run(whole.Store, search);
            Assert.True(fromWhole.Count > 0, $"{search}: no results");
            Assert.Equal(fromWhole, Run(slim.Store, search));
        }
    }

    /// <summary>Every column of every stored event, in the order stored, as one string per row.</summary>
    private static List<string> Columns(DuckDbStore store)
    {
        using var c = DuckDbFiles.Open(store.Path_);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT * FROM events ORDER BY rowid"; // every column, those added later too (field_keys was missed once)
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read())
        {
            rows.Add(string.Join('\u001f', Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "(null)" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    private static List<string> Run(DuckDbStore store, string search)
    {
        var searchStore = new SearchStore(store, CancellationToken.None);
        var compiled = SplEngine.Compile("search " + search, new SearchContext { Events = searchStore, DataModels = searchStore });
        Assert.True(compiled.Success, search);
        return [.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r)).Order(StringComparer.Ordinal)];
    }
}
