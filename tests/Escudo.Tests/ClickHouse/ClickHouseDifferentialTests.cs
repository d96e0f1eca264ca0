using System.Globalization;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Ingest;
using Escudo.Ingest.Sources;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;
using Escudo.Tests.Golden;
using Escudo.Tests.Server;
using Xunit.Abstractions;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Every golden SPL case that compiles runs over its events through the embedded DuckDB store and
/// through the ClickHouse store on the two-shard cluster, as <c>escudo serve</c> runs a search
/// (a <see cref="SearchStore"/> with the search's pushdown): the same rows, in the same order.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseDifferentialTests(ClickHouseCluster cluster, ITestOutputHelper output)
{
    [ClickHouseFact]
    public void GoldenSearchesGiveTheSameRowsOnTheClusterAsOnTheEmbeddedStore()
    {
        SearchTimeZone.Current = TimeZoneInfo.Utc;
        var db = "escudo_g" + Guid.NewGuid().ToString("N")[..12];
        var failures = new List<string>();
        var compared = 0;
        var withEvents = 0;
        var scans = 0;
        var pushedWhole = 0;
        var files = Directory.EnumerateFiles(Path.Combine(GoldenSplTests.GoldenRoot, "spl"), "*.test", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        using var ch = new ClickHouseStore(cluster.In(db), null, null);
        try
        {
            foreach (var path in files)
            {
                var golden = GoldenFile.Parse(path);
                var name = Path.GetRelativePath(GoldenSplTests.GoldenRoot, path);
                var now = GoldenSplTests.DefaultNow;
                var macros = new DictionaryMacroSource();
                var lookups = new LookupStore();
                var dir = TempDir.Create("ch-golden");
                DuckDbStore? duck = null;
                try
                {
                    duck = new DuckDbStore(dir);
                    IReadOnlyList<Row> events = [];
                    foreach (var step in golden.Steps)
                    {
                        switch (step.Kind)
                        {
                            case GoldenStepKind.Now:
                                now = double.Parse(step.Text, CultureInfo.InvariantCulture);
                                break;
                            case GoldenStepKind.Events or GoldenStepKind.Load:
                                events = step.Kind == GoldenStepKind.Events
                                    ? GoldenSplTests.ReadEvents(string.Join('\n', step.Lines), name)
                                    : [.. InputReader.Read(Path.Combine(GoldenSplTests.GoldenRoot, step.Text))];
                                duck.Dispose();
                                TempDir.Delete(dir);
                                dir = TempDir.Create("ch-golden");
                                duck = new DuckDbStore(dir);
                                Truncate(db);
                                duck.Commit(events, []);
                                ch.Commit(events, []);
                                Assert.Equal(events.Count, ch.CountEvents());
                                break;
                            case GoldenStepKind.Macro:
                                macros.Add(GoldenSplTests.ParseMacro(step.Text));
                                break;
                            case GoldenStepKind.Lookup:
                                lookups.Add(GoldenSplTests.ParseLookup(step.Text));
                                break;
                            case GoldenStepKind.Query:
                                var fromDuck = Run(duck, step.Text, now, macros, lookups);
                                var fromCh = Run(ch, step.Text, now, macros, lookups);
                                compared++;
                                if (SplEngine.Parse(step.Text) is { Success: true, Value.Commands: [Escudo.Spl.Syntax.Ast.SearchCommand leading, ..] })
                                {
                                    // The leading search's whole filter became SQL (nothing left opaque for the engine alone).
                                    scans++;
                                    pushedWhole += ClickHouseSql.IsExact(Escudo.Spl.Planning.Pushdown.ScanConditionBuilder.From(leading.Expr)) ? 1 : 0;
                                }

                                withEvents += events.Count > 0 ? 1 : 0;
                                if (!fromDuck.SequenceEqual(fromCh, StringComparer.Ordinal))
                                {
                                    failures.Add($"{name}:{step.Line}: {step.Text}\n  embedded: {string.Join("\n            ", fromDuck)}\n  cluster:  {string.Join("\n            ", fromCh)}");
                                }

                                break;
                        }
                    }
                }
                finally
                {
                    duck?.Dispose();
                    TempDir.Delete(dir);
                }
            }
        }
        finally
        {
            cluster.Drop(db);
        }

        output.WriteLine($"{compared} golden searches compared ({withEvents} over events), {failures.Count} differ; "
            + $"{scans} start with a search, of which {pushedWhole} ({(scans == 0 ? 0 : 100.0 * pushedWhole / scans):F0}%) had their whole filter pushed down as SQL");
        Assert.True(compared > 300, $"only {compared} golden searches ran");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>Runs a search as the server does; its rows as JSON lines, or its failure as one line (both stores must fail alike).</summary>
    private static List<string> Run(IServeStore store, string search, double now, DictionaryMacroSource macros, LookupStore lookups)
    {
        var scoped = new SearchStore(store, CancellationToken.None);
        var context = new SearchContext
        {
            Now = now,
            Events = scoped,
            DataModels = scoped,
            Lookups = lookups,
            Macros = new LayeredMacroSource([macros, BuiltInMacros.Instance]),
        };
        var compiled = SplEngine.Compile(search, context);
        if (!compiled.Success)
        {
            return ["compile: " + compiled.Diagnostic!.Format(compiled.Text)];
        }

        try
        {
            return compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r)).ToList();
        }
        catch (Exception e) when (e is SearchLimitException or InvalidOperationException or ArgumentException)
        {
            return ["run: " + e.Message];
        }
    }

    private void Truncate(string db)
    {
        foreach (var host in cluster.Location.Hosts)
        {
            using var http = new HttpClient { BaseAddress = new Uri("http://" + host + "/") };
            foreach (var table in new[] { "events", "dm_rows" })
            {
                using var r = http.PostAsync($"/?database={db}", new StringContent("TRUNCATE TABLE " + table)).GetAwaiter().GetResult();
                Assert.True(r.IsSuccessStatusCode, $"TRUNCATE {table} on {host}: {r.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            }
        }
    }
}
