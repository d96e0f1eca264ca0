using System.CommandLine;
using Escudo.Server;

namespace Escudo.Cli.Commands;

/// <summary><c>escudo serve --data DIR --content DIR [--listen 127.0.0.1:8088] [--hec-token TOKEN]... [--config FILE]</c>.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Folder of the persistent store (created if missing).", Required = true };
        var store = new Option<string?>("--store") { Description = "clickhouse://HOST:PORT[,HOST:PORT...]/DATABASE[?cluster=NAME]: keep events, notables and runs in ClickHouse; credentials from --config or ESCUDO_CLICKHOUSE_USER/PASSWORD." };
        var content = new Option<string?>("--content") { Description = "An ESCU-layout content folder: detections to schedule, macros and lookups for searches." };
        var listen = new Option<string?>("--listen") { Description = "ADDRESS:PORT to listen on (default 127.0.0.1:8088; port 0 picks a free one)." };
        var tokens = new Option<string[]>("--hec-token") { Description = "A token accepted for HEC and search; repeatable. Defaults (index, sourcetype, ...) come from --config." };
        var config = new Option<string?>("--config") { Description = "A JSON config file (tokens with default index/source/sourcetype, limits, schedule)." };
        var cron = new Option<string?>("--cron") { Description = "Cron schedule of every detection (default \"0 * * * *\")." };
        var noScheduler = new Option<bool>("--no-scheduler") { Description = "Serve ingestion and search only." };
        var catchUp = new Option<bool>("--catch-up") { Description = "After downtime, run every missed schedule instead of recording it as skipped." };
        var only = new Option<string[]>("--only") { Description = "Schedule only detections whose name or file matches this glob; repeatable." };
        var logLevel = new Option<string?>("--log-level") { Description = "Least severe log level on stderr: Trace, Debug, Information (default), Warning, Error, Critical, None." };
        var cmd = new Command("serve", "Run as a service: HEC ingestion into a persistent store, scheduled detections, a search API.")
        {
            data, store, content, listen, tokens, config, cron, noScheduler, catchUp, only, logLevel,
        };
        cmd.SetAction(async (p, ct) =>
        {
            ServeOptions o;
            try
            {
                o = p.GetValue(config) is { } file ? ServeOptions.FromFile(file) : new ServeOptions();
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"escudo: cannot read --config: {e.Message}");
                return 1;
            }

            o.DataDir = p.GetValue(data)!;
            o.Store = p.GetValue(store) ?? o.Store;
            o.ClickHouseUser ??= Environment.GetEnvironmentVariable("ESCUDO_CLICKHOUSE_USER");
            o.ClickHousePassword ??= Environment.GetEnvironmentVariable("ESCUDO_CLICKHOUSE_PASSWORD");
            o.ContentDir = p.GetValue(content) ?? o.ContentDir;
            o.Listen = p.GetValue(listen) ?? o.Listen;
            o.Cron = p.GetValue(cron) ?? o.Cron;
            o.SchedulerEnabled &= !p.GetValue(noScheduler);
            o.CatchUp |= p.GetValue(catchUp);
            o.Only.AddRange(p.GetValue(only) ?? []);
            o.LogLevel = p.GetValue(logLevel) ?? o.LogLevel;
            foreach (var t in p.GetValue(tokens) ?? [])
            {
                if (!o.Tokens.Any(x => x.Token == t))
                {
                    o.Tokens.Add(new TokenConfig { Token = t });
                }
            }

            if (o.Tokens.Count == 0)
            {
                await Console.Error.WriteLineAsync("escudo: no token configured: pass --hec-token TOKEN or list tokens in --config; every endpoint except health needs one.");
                return 1;
            }

            ServeHost host;
            try
            {
                host = await ServeHost.StartAsync(o);
            }
            catch (Exception e) when (e is IOException or DirectoryNotFoundException or FormatException or Cronos.CronFormatException or DuckDB.NET.Data.DuckDBException)
            {
                await Console.Error.WriteLineAsync($"escudo: cannot start: {e.Message}");
                return 1;
            }

            await using (host)
            {
                var s = host.Scheduler;
                Console.WriteLine($"escudo serve: listening on {host.BaseAddress.ToString().TrimEnd('/')} (data {(o.Store is null ? Path.GetFullPath(o.DataDir) : host.Store.ToString())}; {s?.Detections.Count ?? 0} detections scheduled, {s?.Unsupported.Count ?? 0} unsupported)");
                await host.WaitForShutdownAsync();
            }

            return 0;
        });
        return cmd;
    }
}
