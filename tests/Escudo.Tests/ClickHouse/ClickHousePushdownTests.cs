using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Detections.Store;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;
using Escudo.Tests.Server;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Each translation of the planner's scan condition to ClickHouse SQL against the in-process
/// engine: the rows ClickHouse returns for the condition alone contain every event the engine
/// accepts (and, when the translation is exact, only those), over events with mixed case,
/// multivalues, non-ASCII values, numbers and missing fields.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHousePushdownTests(ClickHouseCluster cluster)
{
    public static TheoryData<string, bool> Searches() => new()
    {
        { "host=ws-3", true },
        { "host=WS-1*", true },
        { "host IN (ws-1, WS-2, nope)", true },
        { "NOT host=ws-1*", true },
        { "sourcetype=xmlwineventlog user=admin*", true },
        { "user=bob OR user=carol", true },
        { "NOT (user=bob OR host=ws-2)", true },
        { "CommandLine=b'c", true }, // a value of a multivalue field
        { "CommandLine=*'C", true },
        { "Image=*\\\\cmd.exe", true },
        { "Image=\"C:\\\\Windows\\\\*\"", true },
        { "name=*ırk*", false }, // not ASCII: left to the engine
        { "name=istanbul", true }, // a value holding ı, which .NET's case folding maps onto I
        { "NOT name=istanbul", true },
        { "index=security", true },
        { "INDEX=main", false }, // a field named INDEX, absent, reads as main
        { "count=3", false }, // a number: Splunk compares numerically
        { "DestinationIp=10.0.0.0/8", false }, // CIDR
        { "user!=bob", false },
        { "user=* host=ws-1", false },
        { "index=main NOT EventCode=2 (user=bob OR CommandLine=a)", false },
        { "keyword host=ws-4", false },
    };

    [ClickHouseTheory]
    [MemberData(nameof(Searches))]
    public void ScanConditionSqlAgreesWithTheEngine(string search, bool exact)
    {
        var db = "escudo_p" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using var ch = new ClickHouseStore(cluster.In(db), null, null);
            var events = Events();
            ch.Commit(events, []);
            var condition = PushdownTests.Condition(search)!;
            Assert.Equal(exact, ClickHouseSql.IsExact(condition));

            var engine = Run(new MemoryStore(events), search);
            // The condition alone, as ClickHouse evaluates it, before the engine re-applies the filter.
            var scanned = ch.Scan(new ScanRequest(TimeRange.All) { Condition = condition }, Pushdown.None, CancellationToken.None).Select(ResultJson.ToJsonLine).ToList();
            var missing = engine.Except(scanned).ToList();
            Assert.True(missing.Count == 0, $"ClickHouse's scan lost {missing.Count} events the engine accepts:\n{string.Join("\n", missing)}");
            if (exact)
            {
                // Translated whole: the only extra events are those whose searched fields hold non-ASCII text (kept for the engine).
                var fields = Fields(condition).ToHashSet(StringComparer.Ordinal);
                var byLine = events.ToDictionary(e => ResultJson.ToJsonLine(e), e => e);
                var extra = scanned.Except(engine).Where(l => !fields.Any(f => byLine[l].Get(f).Items.ToArray().Any(v => v.Any(ch => ch > 127)))).ToList();
                Assert.True(extra.Count == 0, $"ClickHouse's scan kept {extra.Count} events the engine refuses:\n{string.Join("\n", extra)}");
            }

            // And through the search path, the answer is the engine's.
            Assert.Equal(engine, Run(new SearchStore(ch, CancellationToken.None), search));
        }
        finally
        {
            cluster.Drop(db);
        }
    }

    private static IEnumerable<string> Fields(ScanCondition c) => c switch
    {
        ScanAnd a => a.Terms.SelectMany(Fields),
        ScanOr o => o.Terms.SelectMany(Fields),
        ScanNot n => Fields(n.Operand),
        ScanFieldMatch m => [m.Field],
        _ => [],
    };

    private static List<string> Run(IStore store, string search)
    {
        var compiled = SplEngine.Compile(search, new SearchContext { Now = 1_800_000_000, Events = store, DataModels = store, Macros = BuiltInMacros.Instance });
        Assert.True(compiled.Success, compiled.Diagnostic?.Format(compiled.Text));
        return compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r)).ToList();
    }

    private static List<Row> Events()
    {
        var events = ClickHouseStoreTests.Events(120);
        var names = new[] { "Istanbul", "ıstanbul", "İSTANBUL", "Straße", "türk", "ISTANBUL" };
        for (var i = 0; i < events.Count; i++)
        {
            if (i % 4 != 3)
            {
                events[i].Set("name", Value.FromString(names[i % names.Length]));
            }

            if (i % 7 == 0)
            {
                events[i].Set("user", Value.FromString("carol"));
            }

            if (i % 10 == 0)
            {
                events[i].Set("DestinationIp", Value.FromString("10.1.2." + i));
            }

            if (i % 11 == 0)
            {
                events[i].Set("keyword", Value.FromString("x"));
                events[i].Set(FieldTable.Raw, Value.FromString("keyword " + i));
            }
        }

        return events;
    }
}

/// <summary>A theory that needs ClickHouse: skipped only outside CI when no server is installed or named.</summary>
public sealed class ClickHouseTheoryAttribute : TheoryAttribute
{
    public ClickHouseTheoryAttribute()
    {
        if (ClickHouseCluster.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
