using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Running;
using Escudo.Tests.Support;

namespace Escudo.Tests.Hunt;

/// <summary>
/// A detection whose map runs one search per row over the events the pass kept for it: once those
/// are written to disk, the map rows' searches are answered from one read of the file, not one read
/// per row, and give the same rows as the pass that keeps every event in memory.
/// </summary>
public class MapOverKeptEventsTests
{
    private const double Now = 1_700_000_000;

    private static readonly Detection MapDetection = new()
    {
        Name = "map over kept logons",
        Id = "00000000-0000-0000-0000-000000000020",
        Search = "search EventCode=4624 | stats count by TargetLogonId | map maxsearches=10 search=\"search EventCode=4624 TargetLogonId=$TargetLogonId$ | eval for_row=\\\"$TargetLogonId$\\\"\" | table _time TargetLogonId host for_row",
    };

    /// <summary>Five logon ids, four logons each, among other events; _time keeps the input order.</summary>
    private static List<Row> Logons()
    {
        var events = new List<Row>();
        for (var i = 0; i < 60; i++)
        {
            var row = new Row();
            row.Set(FieldTable.Time, Value.FromNumber(Now - 1000 + i));
            row.Set(FieldTable.Intern("EventCode"), Value.FromString(i % 3 == 0 ? "4688" : "4624"));
            row.Set(FieldTable.Intern("TargetLogonId"), Value.FromString($"0x{i % 5:x}"));
            row.Set(FieldTable.Host, Value.FromString($"host{i}"));
            events.Add(row);
        }

        return events;
    }

    [Fact]
    public void MapRowsReadSpilledEventsOnceAndGiveWhatTheInMemoryPassGives()
    {
        var content = ContentFolder.Load(SharedData.Require("escu"));
        var detection = MapDetection;
        var events = Logons();
        var engine = new DetectionEngine(content);
        var inMemory = new SharedPass(engine, [detection], Now, parallelism: 1);
        var spilling = new SharedPass(engine, [detection], Now, parallelism: 1) { MaxKeptRowsInMemory = 4 };
        foreach (var e in events)
        {
            inMemory.Add(e);
            spilling.Add(e);
        }

        var expected = inMemory.Run().Single();
        var actual = spilling.Run().Single();

        Assert.Null(expected.Error);
        Assert.Equal(40, expected.Results.Count);
        Assert.True(spilling.SpilledRows > 0, "the pass wrote no kept events to disk");
        Assert.Equal(expected.Results.Select(ResultJson.ToJsonLine), actual.Results.Select(ResultJson.ToJsonLine));

        // One read for the leading search, one for the five map rows together (was one per row).
        Assert.Equal(2, spilling.KeptFileReads);
    }

    [Fact]
    public void KeptEventsPastTheByteBoundGoToDiskAndGiveWhatTheInMemoryPassGives()
    {
        var engine = new DetectionEngine(ContentFolder.Load(SharedData.Require("escu")));
        var events = Logons();
        var inMemory = new SharedPass(engine, [MapDetection], Now, parallelism: 1);

        // The row count bound is out of reach: only the bytes (four events' worth) can make it spill.
        var bytesOfFour = events.Take(4).Sum(RowBytes.Estimate);
        var spilling = new SharedPass(engine, [MapDetection], Now, parallelism: 1) { MaxKeptRowsInMemory = long.MaxValue, MaxKeptBytesInMemory = bytesOfFour };
        foreach (var e in events)
        {
            inMemory.Add(e);
            spilling.Add(e);
        }

        var expected = inMemory.Run().Single();
        var actual = spilling.Run().Single();
        Assert.Equal(0, inMemory.SpilledRows);
        Assert.True(spilling.SpilledRows > 0, "the pass wrote no kept events to disk past its byte bound");
        Assert.Equal(40, expected.Results.Count);
        Assert.Equal(expected.Results.Select(ResultJson.ToJsonLine), actual.Results.Select(ResultJson.ToJsonLine));
    }
}
