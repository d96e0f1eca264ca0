using System.Globalization;
using Escudo.Bench;

// Escudo's benchmark harness. Every subcommand prints Markdown table rows that bench/run.sh
// collects into bench/RESULTS.md. Usage: dotnet run -c Release --project bench/Escudo.Bench -- <command> [args]
//   ingest <paths>... [--threads 1,2] events/s and MB/s per input format, whole pipeline (read + extract + map); EVTX per thread count
//   evtx <paths>... [--repeat N] [--threads 1,2]
//                                     EVTX records/s, files in memory: parse + render, and whole ingest, per thread count
//   evtx-large <file> [--make-large <datasets>] [--size-mb N] [--threads N] [--mode ingest|reader] [--passes N]
//                                     one large EVTX file from disk: records/s, MB/s, CPU s and peak working set
//   json-lines <paths>...             the JSON-lines parser alone: JsonDocument per line against the Utf8JsonReader fast path
//   queries <content> <paths>...      typical detection queries: Escudo vs DuckDB, in memory and from files
//   scaling <content> <paths>...      hunt time for 1, 100 and all detections over the same events
//   synthetic <content> <paths> <N>   all detections over N events replayed from the recordings (hosts/users/times varied)
//   tests <content> <datasets>        `escudo test` over 100 ESCU detections pointed at local recordings
//   retention <content> <paths>...    what the shared pass keeps in memory, per detection
//   report-open <report.html> [--runs N] [--text T]
//                                     a hunt report in Chromium: open to drawn, and each filter (bench/report/run.sh)
//   smoke <content> <paths>...        a few seconds of each, to check the harness still works
//   clickhouse <N> <cluster> <paths>...  N replayed events into DuckDB, one ClickHouse shard, two: commit rate, search and tstats latency
//   clickhouse-scale <N> <B> <cluster> <paths>...  B replayed events committed, grown to N by server-side copies: ClickHouse 2 and 1 shards, DuckDB
//   duck-storage <dir> [rows]        where an embedded store's bytes go, per column; string compressions tried on scratch copies
//   clickhouse-profile <N> <store> <paths>...  encoding alone against the whole commit, on one store
//   crc                               EVTX chunk checksums over real recordings (BenchmarkDotNet; ESCUDO_BENCH_EVTX=folder)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: ingest|evtx|queries|scaling|synthetic|smoke ...");
    return 2;
}

var rest = args[1..];
return args[0] switch
{
    "ingest" => IngestBench.Run(rest, runs: 3),
    "evtx" => EvtxBench.Run(rest),
    "json-lines" => JsonLinesBench.Run(rest, runs: 3),
    "evtx-large" => EvtxLargeBench.Run(rest),
    "queries" => QueryBench.Run(rest[0], rest[1..], runs: 5),
    "scaling" => HuntBench.Scaling(rest[0], rest[1..], runs: 3),
    "synthetic" => HuntBench.Synthetic(rest[0], rest[1], long.Parse(rest[2], CultureInfo.InvariantCulture)),
    "smoke" => Smoke(rest),
    "retention" => HuntBench.Retention(rest[0], rest[1..]),
    "tests" => TestBench.Run(rest[0], rest[1]),
    "crc" => Crc32Bench.Run(),
    "clickhouse" => ClickHouseStoreBench.Run(rest),
    "clickhouse-scale" => ScaleBench.Run(rest),
    "duck-storage" => DuckStorage.Run(rest),
    "clickhouse-profile" => ClickHouseStoreBench.Profile(rest),
    "report-open" => ReportOpenBench.Run(rest).GetAwaiter().GetResult(),
    _ => 2,
};

static int Smoke(string[] a)
{
    var content = a[0];
    var paths = a[1..];
    var code = IngestBench.Run(paths, runs: 1);
    code |= QueryBench.Run(content, paths, runs: 1, withFiles: false);
    code |= HuntBench.Synthetic(content, paths[0], 20_000);
    return code;
}
