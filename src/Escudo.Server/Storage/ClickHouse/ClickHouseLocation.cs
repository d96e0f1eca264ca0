using System.Text.RegularExpressions;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Where a ClickHouse store lives: <c>clickhouse://HOST:PORT[,HOST:PORT...]/DATABASE[?cluster=NAME]</c>,
/// HTTP ports. One address without <c>cluster</c> is a single server; several addresses (one per
/// shard, so Escudo can create each shard's local tables without ZooKeeper) form the cluster
/// named by <c>cluster</c> (default <c>escudo</c>) in the servers' <c>remote_servers</c>.
/// Credentials never appear here: they come from <c>--config</c> or the environment.
/// </summary>
public sealed partial record ClickHouseLocation(IReadOnlyList<string> Hosts, string Database, string? Cluster)
{
    public const string Scheme = "clickhouse://";

    public static bool IsClickHouse(string? store) => store is not null && store.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a store address; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static ClickHouseLocation Parse(string store)
    {
        if (!IsClickHouse(store))
        {
            throw new FormatException($"--store '{store}' is not clickhouse://HOST:PORT/DATABASE");
        }

        var rest = store[Scheme.Length..];
        string? query = null;
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw new FormatException($"--store '{store}' names no database: clickhouse://HOST:PORT/DATABASE");
        }

        var authority = rest[..slash];
        var database = rest[(slash + 1)..].TrimEnd('/');
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            throw new FormatException("--store must not carry credentials (they would show in the process list): set clickhouseUser/clickhousePassword in --config or ESCUDO_CLICKHOUSE_USER/ESCUDO_CLICKHOUSE_PASSWORD");
        }

        if (!Identifier().IsMatch(database))
        {
            throw new FormatException($"--store database '{database}' is not a plain name (letters, digits, underscore)");
        }

        var hosts = new List<string>();
        foreach (var h in authority.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = h.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(h[(colon + 1)..], out var port) || port is < 1 or > 65535)
            {
                throw new FormatException($"--store host '{h}' is not HOST:PORT (the HTTP port, 8123 by default)");
            }

            hosts.Add(h);
        }

        if (hosts.Count == 0)
        {
            throw new FormatException($"--store '{store}' names no host");
        }

        string? cluster = null;
        foreach (var pair in (query ?? string.Empty).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = eq < 0 ? (pair, string.Empty) : (pair[..eq], Uri.UnescapeDataString(pair[(eq + 1)..]));
            if (key != "cluster" || !Identifier().IsMatch(value))
            {
                throw new FormatException($"--store option '{pair}' is not cluster=NAME");
            }

            cluster = value;
        }

        return new ClickHouseLocation(hosts, database, cluster ?? (hosts.Count > 1 ? "escudo" : null));
    }

    public override string ToString() => $"{Scheme}{string.Join(',', Hosts)}/{Database}{(Cluster is null ? string.Empty : "?cluster=" + Cluster)}";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
