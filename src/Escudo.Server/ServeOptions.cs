using System.Text.Json;
using System.Text.Json.Serialization;

namespace Escudo.Server;

/// <summary>A token: what it may do and the metadata events sent with it default to.</summary>
public sealed class TokenConfig
{
    public string Token { get; set; } = string.Empty;

    /// <summary>The default index: where an event that names none goes (Splunk's token <c>index</c>; main when unset).</summary>
    public string? Index { get; set; }

    /// <summary>
    /// The indexes this token may write to (Splunk's token <c>indexes</c>); when unset, every
    /// ordinary index. <c>notable</c> and <c>risk</c> are written only by Escudo's scheduler, never by a token.
    /// </summary>
    public List<string>? Indexes { get; set; }

    public string? Source { get; set; }

    public string? SourceType { get; set; }

    public string? Host { get; set; }

    /// <summary>Require a channel and answer with ackId (Splunk's useACK).</summary>
    public bool UseAck { get; set; }

    /// <summary>Whether events sent with this token may go to <paramref name="index"/> (Splunk's "Incorrect index" otherwise).</summary>
    public bool MayWrite(string index) =>
        !ServeOptions.ReservedIndexes.Contains(index)
        && (Indexes is not { Count: > 0 } || Indexes.Contains(index, StringComparer.OrdinalIgnoreCase));

    /// <summary>Whether the token may also run searches and read notables (default yes).</summary>
    public bool Search { get; set; } = true;

    /// <summary>The signed-in user this identity stands for (null for a configured token); never read from config.</summary>
    [JsonIgnore]
    public string? UserName { get; init; }
}

/// <summary>Everything <c>escudo serve</c> is configured with: command-line options over a JSON config file.</summary>
public sealed class ServeOptions
{
    public string DataDir { get; set; } = "data";

    public string? ContentDir { get; set; }

    public string Listen { get; set; } = "127.0.0.1:8088";

    public List<TokenConfig> Tokens { get; set; } = [];

    /// <summary>Users who may sign in (<c>/services/auth/login</c>, HTTP Basic) to search.</summary>
    public List<UserConfig> Users { get; set; } = [];

    /// <summary>How long an unused session key from <c>/services/auth/login</c> stays valid (Splunk's default: one hour).</summary>
    public double SessionIdleSeconds { get; set; } = 3600;

    /// <summary>How long a finished search job and its results are kept after last use (Splunk's default dispatch.ttl: 10 minutes).</summary>
    public double JobTtlSeconds { get; set; } = 600;

    /// <summary>Most search jobs one user or token may hold at once (running or kept).</summary>
    public int MaxJobsPerUser { get; set; } = 50;

    /// <summary>Most result rows a search job keeps; beyond it the job finishes with a warning.</summary>
    public int JobMaxResults { get; set; } = 500_000;

    /// <summary>Largest request body accepted (HEC batches, search forms).</summary>
    public long MaxRequestBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Most bytes of events (estimated) waiting for their group commit; past it HEC refuses a request
    /// whole with 503 "Server is busy" (code 9) and its health says unhealthy above three quarters.
    /// </summary>
    public long MaxQueuedBytes { get; set; } = Storage.CommitQueue.DefaultMaxQueuedBytes;

    /// <summary>Sign-in attempts (console and <c>/services/auth/login</c>) one client address may make per window; past it, 429.</summary>
    public int SignInAttemptsPerAddress { get; set; } = 20;

    /// <summary>Sign-in attempts one user name may be tried with per window, from any address; past it, 429.</summary>
    public int SignInAttemptsPerUser { get; set; } = 10;

    /// <summary>The window the sign-in limits count in.</summary>
    public double SignInWindowSeconds { get; set; } = 60;

    /// <summary>Longest a search may run before it is stopped with an error.</summary>
    public double SearchTimeoutSeconds { get; set; } = 60;

    /// <summary>Most result rows a search may hold in memory (stats, sort, ...).</summary>
    public long SearchMaxRowsInMemory { get; set; } = 5_000_000;

    /// <summary>Most estimated bytes of rows one search may hold in memory (sort, eventstats, transaction, join, ...).</summary>
    public long SearchMaxMemoryBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Total time one search may spend in regular expressions that need the backtracking engine.</summary>
    public double SearchRegexBudgetSeconds { get; set; } = 30;

    /// <summary>
    /// DuckDB's memory limit, e.g. "2GB": 512MB unless configured; DuckDB's own default (80% of RAM)
    /// only when set to null. Its buffer
    /// manager keeps the store's blocks as they are written, so without a limit the server's
    /// memory grew with the store (298 MiB of DuckDB memory after 300,000 Sysmon events,
    /// bench/serve/RESULTS.md); it spills beyond the limit to a directory beside the store file.
    /// </summary>
    public string? StoreMemoryLimit { get; set; } = DefaultStoreMemoryLimit;

    public const string DefaultStoreMemoryLimit = "512MB";

    /// <summary>
    /// <c>clickhouse://HOST:PORT[,HOST:PORT...]/DATABASE[?cluster=NAME]</c>: keep everything in
    /// ClickHouse instead of the embedded store under <see cref="DataDir"/> (see docs/scale-out.md).
    /// </summary>
    public string? Store { get; set; }

    /// <summary>ClickHouse user (config file or ESCUDO_CLICKHOUSE_USER; never a command-line argument).</summary>
    public string? ClickHouseUser { get; set; }

    /// <summary>ClickHouse password (config file or ESCUDO_CLICKHOUSE_PASSWORD; never a command-line argument).</summary>
    public string? ClickHousePassword { get; set; }

    /// <summary>
    /// On a ClickHouse cluster with a shard down, answer searches from the shards that answered,
    /// with a warning naming the one that did not (the REST job's messages, the export's message
    /// line, the console), instead of failing them. Off by default. Scheduled detections never run
    /// on part of the events: their windows fail and are run again.
    /// </summary>
    public bool PartialResults { get; set; }

    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>
    /// This node's name in the window claims of a ClickHouse store shared by several nodes (default:
    /// machine, process id and a random part, so a restarted node is a new claimant).
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>How long a node's claim on a scheduled window lasts before another node may run it (default: the search time limit plus 60 s).</summary>
    public double? LeaseSeconds { get; set; }

    /// <summary>How long a node waits after claiming windows before reading who won them (longer than an insert takes and than the nodes' clock difference).</summary>
    public double LeaseSettleSeconds { get; set; } = 2;

    public string Cron { get; set; } = "0 * * * *";

    public string Earliest { get; set; } = "-70m@m";

    public string Latest { get; set; } = "-10m@m";

    /// <summary>Run every missed occurrence after downtime instead of recording it as skipped.</summary>
    public bool CatchUp { get; set; }

    /// <summary>Only detections whose name or file matches one of these globs (all when empty).</summary>
    public List<string> Only { get; set; } = [];

    /// <summary>Also schedule detections with status experimental.</summary>
    public bool IncludeExperimental { get; set; }

    /// <summary>Suppress a notable when one of the same detection with equal values of these fields was raised within <see cref="SuppressSeconds"/>.</summary>
    public List<string> SuppressFields { get; set; } = [];

    public double SuppressSeconds { get; set; } = 86400;

    /// <summary>First wait before a scheduled window whose commit failed is tried again; doubles up to <see cref="SchedulerRetryMaxSeconds"/>.</summary>
    public double SchedulerRetrySeconds { get; set; } = 1;

    public double SchedulerRetryMaxSeconds { get; set; } = 60;

    /// <summary>Least severe log level written to the console: Trace, Debug, Information, Warning, Error, Critical or None.</summary>
    public string LogLevel { get; set; } = "Information";

    /// <summary>
    /// Most distinct field names the process keeps (its field-name table never shrinks). Past it,
    /// an event that brings new names is still stored whole (its JSON in <c>_raw</c>, its new
    /// indexed fields under <c>escudo_unindexed_fields</c>) but adds no name to the table.
    /// </summary>
    public int MaxFieldNames { get; set; } = 100_000;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Indexes only Escudo writes: a token allowed to write them could forge alerts.</summary>
    public static readonly IReadOnlySet<string> ReservedIndexes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "notable", "risk" };

    /// <summary>Configuration errors found before starting, each a sentence; empty when the options are usable.</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        foreach (var t in Tokens)
        {
            var name = t.Token.Length > 4 ? t.Token[..4] + "..." : t.Token;
            foreach (var i in (t.Indexes ?? []).Append(t.Index ?? "main"))
            {
                if (ReservedIndexes.Contains(i))
                {
                    problems.Add($"token {name}: index '{i}' is written only by Escudo's scheduler; a token may not write to it");
                }
            }

            if (t.Indexes is { Count: > 0 } allowed && !allowed.Contains(t.Index ?? "main", StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"token {name}: its default index '{t.Index ?? "main"}' is not among its indexes ({string.Join(", ", allowed)}); set \"index\" to one of them");
            }
        }

        if (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(LogLevel, ignoreCase: true, out _))
        {
            problems.Add($"logLevel '{LogLevel}' is not one of Trace, Debug, Information, Warning, Error, Critical, None");
        }

        if (Store is not null && !Storage.ClickHouse.ClickHouseLocation.IsClickHouse(Store))
        {
            problems.Add($"store '{Store}' is not clickhouse://HOST:PORT/DATABASE (the embedded store needs no --store)");
        }

        if (LeaseSeconds is { } lease && lease <= SearchTimeoutSeconds)
        {
            problems.Add($"leaseSeconds {lease} must be longer than searchTimeoutSeconds ({SearchTimeoutSeconds}): a window's claim must outlast its search");
        }

        if (!(LeaseSettleSeconds > 0))
        {
            problems.Add($"leaseSettleSeconds {LeaseSettleSeconds} must be positive");
        }

        if (SignInAttemptsPerAddress < 1 || SignInAttemptsPerUser < 1 || !(SignInWindowSeconds > 0))
        {
            problems.Add($"signInAttemptsPerAddress ({SignInAttemptsPerAddress}) and signInAttemptsPerUser ({SignInAttemptsPerUser}) must be at least 1 and signInWindowSeconds ({SignInWindowSeconds}) above 0");
        }

        if (MaxQueuedBytes < 1)
        {
            problems.Add($"maxQueuedBytes ({MaxQueuedBytes}) must be at least 1 (a request alone in the queue is always taken)");
        }

        if (MaxFieldNames < 1000)
        {
            problems.Add($"maxFieldNames {MaxFieldNames} is too small (at least 1000: the built-in fields alone take hundreds)");
        }

        return problems;
    }

    public static ServeOptions FromFile(string path) =>
        JsonSerializer.Deserialize<ServeOptions>(File.ReadAllText(path), Json) ?? new ServeOptions();
}
