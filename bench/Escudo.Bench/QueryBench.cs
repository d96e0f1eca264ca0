using System.Diagnostics;
using System.Net;
using DuckDB.NET.Data;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Detections.Content;
using Escudo.Detections.Store;
using Escudo.Ingest.Sources;
using Escudo.Spl;
using Escudo.Spl.Execution;

namespace Escudo.Bench;

/// <summary>
/// Typical detection queries, in SPL on Escudo and as the equivalent SQL on DuckDB, over the same
/// events: first with the events already in memory (Escudo's store, DuckDB tables), then from
/// files (Escudo reads the recordings; DuckDB reads a JSON-lines export of the same events, since
/// it cannot read EVTX).
/// </summary>
internal static class QueryBench
{
    private sealed record Query(string Name, string Spl, string Sql);

    private static readonly Query[] Queries =
    [
        new(
            "search + CIDR exclusions + stats by 2 fields",
            "source=\"XmlWinEventLog:Microsoft-Windows-Sysmon/Operational\" EventCode=3 dest_ip!=10.0.0.0/8 dest_ip!=172.16.0.0/12 dest_ip!=192.168.0.0/16 | stats count by process_name, dest_ip",
            "SELECT process_name, dest_ip, count(*) FROM ev WHERE lower(source) = 'xmlwineventlog:microsoft-windows-sysmon/operational' AND EventCode = '3' AND dest_ip IS NOT NULL AND process_name IS NOT NULL "
            + "AND NOT coalesce(ip BETWEEN 167772160 AND 184549375, false) AND NOT coalesce(ip BETWEEN 2886729728 AND 2887778303, false) AND NOT coalesce(ip BETWEEN 3232235520 AND 3232301055, false) GROUP BY 1, 2"),
        new(
            "wildcard search + stats dc by 1 field",
            "process=\"*powershell*\" OR process=\"*cmd.exe*\" | stats count dc(user) as users by dest",
            "SELECT dest, count(*), count(DISTINCT \"user\") FROM ev WHERE (process ILIKE '%powershell%' OR process ILIKE '%cmd.exe%') AND dest IS NOT NULL GROUP BY 1"),
        new(
            "stats count values dc min max by 2 fields",
            "EventCode=1 | stats count values(process_name) as procs dc(process_name) as n min(_time) as first max(_time) as last by dest, user",
            "SELECT dest, \"user\", count(*), list(DISTINCT process_name ORDER BY process_name), count(DISTINCT process_name), min(_time), max(_time) FROM ev WHERE EventCode = '1' AND dest IS NOT NULL AND \"user\" IS NOT NULL GROUP BY 1, 2"),
        new(
            "eval + where + stats by 1 field",
            "EventCode=1 | eval cmdlen=len(process), name=lower(process_name) | where cmdlen > 40 | stats count by name",
            "SELECT lower(process_name) AS name, count(*) FROM ev WHERE EventCode = '1' AND length(process) > 40 AND process_name IS NOT NULL GROUP BY 1"),
        new(
            "tstats over Endpoint.Processes with where",
            "| tstats count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where Processes.process_name IN (\"cmd.exe\",\"powershell.exe\",\"rundll32.exe\",\"regsvr32.exe\") by Processes.dest Processes.parent_process_name Processes.process_name",
            "SELECT dest, parent_process_name, process_name, count(*), min(_time), max(_time) FROM processes WHERE lower(process_name) IN ('cmd.exe','powershell.exe','rundll32.exe','regsvr32.exe') GROUP BY 1, 2, 3"),
    ];

    private static readonly string[] Columns = ["source", "sourcetype", "host", "EventCode", "process_name", "process", "dest", "user", "src_ip", "dest_ip", "parent_process_name"];

    public static int Run(string contentDir, string[] paths, int runs, bool withFiles = true)
    {
        var content = ContentFolder.Load(contentDir);
        var events = paths.SelectMany(p => InputReader.Read(p)).ToList();
        var store = new MemoryStore(events);
        var processes = store.RowsOf(DataModelCatalog.Cim.Resolve("Endpoint.Processes")!);
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        Load(db, events, processes);

        var indexClock = Stopwatch.StartNew();
        var indexKeys = store.BuildIndex();
        Console.WriteLine($"events in memory: {events.Count:N0}; Endpoint.Processes rows: {processes.Count:N0}; Escudo's postings lists on EventCode, EventID, source, sourcetype, Channel ({indexKeys:N0} keys) built once in {indexClock.Elapsed.TotalSeconds:0.000} s, like DuckDB's load, not counted below; a field's lexicon (its distinct values, for text searched in a field without postings, in events or in a data model's rows) is built by the first such search, inside that query's first timed run");
        Console.WriteLine();
        Console.WriteLine("| query (in memory) | rows Escudo | rows DuckDB | Escudo median s | DuckDB median s | Escudo / DuckDB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var q in Queries)
        {
            var ctx = new SearchContext { Events = store, DataModels = store, Macros = content.Macros, Lookups = content.Lookups };
            var escudoRows = 0;
            var e = Measure.MedianSeconds(runs, () =>
            {
                var compiled = SplEngine.Compile(q.Spl, ctx);
                escudoRows = compiled.Search!.Run().Count();
            });
            var duckRows = 0;
            var d = Measure.MedianSeconds(runs, () => duckRows = Count(db, q.Sql));
            Console.WriteLine($"| {q.Name} | {escudoRows} | {duckRows} | {e:0.0000} | {d:0.0000} | {e / d:0.00} |");
        }

        if (!withFiles)
        {
            return 0;
        }

        // From files: Escudo reads the recordings themselves; DuckDB reads a JSON-lines export.
        var export = Path.Combine(Path.GetTempPath(), $"escudo-bench-events-{Environment.ProcessId}.jsonl");
        using (var w = new StreamWriter(export))
        {
            foreach (var ev in events)
            {
                w.Write('{');
                var first = true;
                foreach (var c in Columns.Append("_time"))
                {
                    var v = ev.Get(c);
                    if (v.IsNull)
                    {
                        continue;
                    }

                    if (!first)
                    {
                        w.Write(',');
                    }

                    first = false;
                    w.Write(System.Text.Json.JsonSerializer.Serialize(c));
                    w.Write(':');
                    w.Write(System.Text.Json.JsonSerializer.Serialize(v.FirstString()));
                }

                w.WriteLine('}');
            }
        }

        Console.WriteLine();
        Console.WriteLine("| query (from files) | Escudo median s (read recordings + query) | Escudo median s (read DuckDB's JSON-lines export + query) | DuckDB median s (read_json + query) | Escudo / DuckDB, recordings | Escudo / DuckDB, same export |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var q in Queries.Take(3))
        {
            var e = Measure.MedianSeconds(Math.Min(runs, 3), () =>
            {
                var s = new MemoryStore(paths.SelectMany(p => InputReader.Read(p)).ToList());
                var ctx = new SearchContext { Events = s, DataModels = s, Macros = content.Macros };
                _ = SplEngine.Compile(q.Spl, ctx).Search!.Run().Count();
            });
            var x = Measure.MedianSeconds(Math.Min(runs, 3), () =>
            {
                var s = new MemoryStore(InputReader.Read(export).ToList());
                var ctx = new SearchContext { Events = s, DataModels = s, Macros = content.Macros };
                _ = SplEngine.Compile(q.Spl, ctx).Search!.Run().Count();
            });
            var d = Measure.MedianSeconds(Math.Min(runs, 3), () =>
            {
                using var c = new DuckDBConnection("Data Source=:memory:");
                c.Open();
                Exec(c, $"CREATE TABLE ev AS SELECT *, {IpSql("dest_ip")} AS ip FROM read_json('{export}', format='newline_delimited', columns={{{string.Join(", ", Columns.Select(x => $"'{x}': 'VARCHAR'"))}, '_time': 'DOUBLE'}})");
                _ = Count(c, q.Sql);
            });
            Console.WriteLine($"| {q.Name} | {e:0.000} | {x:0.000} | {d:0.000} | {e / d:0.00} | {x / d:0.00} |");
        }

        File.Delete(export);
        return 0;
    }

    private static string IpSql(string col) =>
        $"CASE WHEN regexp_full_match({col}, '\\d+\\.\\d+\\.\\d+\\.\\d+') THEN (split_part({col}, '.', 1)::UBIGINT << 24) + (split_part({col}, '.', 2)::UBIGINT << 16) + (split_part({col}, '.', 3)::UBIGINT << 8) + split_part({col}, '.', 4)::UBIGINT END";

    private static void Load(DuckDBConnection db, List<Row> events, IReadOnlyList<Row> processes)
    {
        Exec(db, "CREATE TABLE ev (_time DOUBLE, " + string.Join(", ", Columns.Select(c => $"\"{c}\" VARCHAR")) + ", ip UBIGINT)");
        using (var app = db.CreateAppender("ev"))
        {
            foreach (var e in events)
            {
                var row = app.CreateRow();
                var t = e.Time;
                if (double.IsNaN(t))
                {
                    row.AppendNullValue();
                }
                else
                {
                    row.AppendValue(t);
                }

                foreach (var c in Columns)
                {
                    row.AppendValue(e.Get(c).FirstString());
                }

                var ip = e.Get("dest_ip").FirstString();
                if (ip is not null && IPAddress.TryParse(ip, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    var b = a.GetAddressBytes();
                    row.AppendValue((ulong)((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) & 0xFFFFFFFF);
                }
                else
                {
                    row.AppendNullValue();
                }

                row.EndRow();
            }
        }

        Exec(db, "CREATE TABLE processes (_time DOUBLE, dest VARCHAR, parent_process_name VARCHAR, process_name VARCHAR)");
        using (var app = db.CreateAppender("processes"))
        {
            foreach (var p in processes)
            {
                app.CreateRow().AppendValue(p.Time).AppendValue(p.Get("Processes.dest").FirstString()).AppendValue(p.Get("Processes.parent_process_name").FirstString()).AppendValue(p.Get("Processes.process_name").FirstString()).EndRow();
            }
        }
    }

    private static void Exec(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static int Count(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var n = 0;
        while (reader.Read())
        {
            n++;
        }

        return n;
    }
}
