using System.Globalization;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Grows a store to many times the events committed through Escudo by copying them inside
/// ClickHouse (<c>INSERT ... SELECT</c>, no Escudo encoding per copy), for sizing at 10 M and
/// 100 M events (bench <c>clickhouse-scale</c>), where committing every event through Escudo
/// would take hours. Copy <c>c</c> of the committed events (the <em>base</em>) is each base
/// event with its time moved by <c>c</c> × the given shift, its host renamed <c>HOST-cC</c>,
/// its batch id <c>BATCH~C</c> (so its row id, a hash of batch and position, is its own) and its
/// commit order after the base's; the events table and the data-model rows are copied alike, and
/// the typed row (<c>fields</c>) gets the new <c>_time</c> and <c>host</c>, so a copy reads back
/// as the event Escudo would have stored with that time and host. Each copy's rows go to the shard
/// Escudo would write them to (<see cref="ClickHouseShardedInsert.ShardOf"/> of the renamed host),
/// inserted on that shard's own node. Base rows are those whose batch id holds no <c>~</c>.
/// </summary>
internal static class ClickHouseCopies
{
    private const string IsBase = "position(batch, '~') = 0";

    /// <summary>The host a base event's copy <paramref name="copy"/> has.</summary>
    public static string Host(string host, int copy) =>
        host.Length == 0 ? host : host + "-c" + copy.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Adds copies 1 to <paramref name="copies"/> of the base events to the store, each moved by
    /// <paramref name="secondsPerCopy"/> more; refuses a store that holds copies already.
    /// <paramref name="progress"/> hears after each copy. Returns the base's event count.
    /// </summary>
    public static long Grow(ClickHouseStore store, int copies, double secondsPerCopy, Action<int>? progress = null)
    {
        var nodes = store.Nodes;
        var (events, models) = store.Cluster is null ? ("events", "dm_rows") : ("events_all", "dm_rows_all");
        var first = nodes[0];
        if (first.Execute($"SELECT count() FROM {events} WHERE NOT {IsBase}") != "0")
        {
            throw new InvalidOperationException($"{store.Location} holds copies already; drop the database and commit the base again");
        }

        var span = first.Execute($"SELECT count(), min(ingest), max(ingest) FROM {events} FORMAT TabSeparated").Trim().Split('\t');
        var count = long.Parse(span[0], CultureInfo.InvariantCulture);
        if (count == 0)
        {
            throw new InvalidOperationException($"{store.Location} holds no events to copy");
        }

        // Copies come after the base in commit order (reads sort by ingest), each after the last.
        var ingestShift = ulong.Parse(span[2], CultureInfo.InvariantCulture) - ulong.Parse(span[1], CultureInfo.InvariantCulture) + 1;
        var hosts = first.Execute($"SELECT DISTINCT host FROM {events} FORMAT TabSeparated")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Sql.UnescapeTsv).ToList();
        if (first.Execute($"SELECT count() FROM {events} WHERE host = ''") != "0")
        {
            hosts.Add(string.Empty);
        }

        for (var copy = 1; copy <= copies; copy++)
        {
            var shift = copy * secondsPerCopy;
            for (var shard = 0; shard < nodes.Count; shard++)
            {
                var mine = hosts.Where(h => ClickHouseShardedInsert.ShardOf(Host(h, copy), nodes.Count) == shard).ToList();
                if (mine.Count == 0)
                {
                    continue;
                }

                var filter = $"{IsBase} AND host IN ({string.Join(", ", mine.Select(Sql.Literal))})";
                var settings = new Dictionary<string, string> { ["max_query_size"] = (1 << 22).ToString(CultureInfo.InvariantCulture) };
                nodes[shard].Execute(EventsCopy(events, copy, shift, ingestShift * (ulong)copy, filter), settings: settings);
                nodes[shard].Execute(ModelsCopy(models, copy, shift, ingestShift * (ulong)copy, filter), settings: settings);
            }

            progress?.Invoke(copy);
        }

        return count;
    }

    private static string EventsCopy(string from, int copy, double shift, ulong ingestShift, string filter)
    {
        var columns = ClickHouseSchema.EventColumns().Split(", ").Select(c => c[..c.IndexOf(' ', StringComparison.Ordinal)]).ToList();
        var values = columns.Select(c => Moved(c, copy, shift, ingestShift) ?? c);
        return $"INSERT INTO events ({string.Join(", ", columns)}) SELECT {string.Join(", ", values)} FROM {from} WHERE {filter}";
    }

    private static string ModelsCopy(string from, int copy, double shift, ulong ingestShift, string filter)
    {
        var columns = ClickHouseDataModelRows.Columns.Split(", ").Select(c => c[..c.IndexOf(' ', StringComparison.Ordinal)]).ToList();
        var values = columns.Select(c => Moved(c, copy, shift, ingestShift) ?? c);
        return $"INSERT INTO dm_rows ({string.Join(", ", columns)}) SELECT {string.Join(", ", values)} FROM {from} WHERE {filter}";
    }

    /// <summary>The copy's value of a column both tables share, or null when it is the base's.</summary>
    private static string? Moved(string column, int copy, double shift, ulong ingestShift)
    {
        var suffix = "-c" + copy.ToString(CultureInfo.InvariantCulture);
        return column switch
        {
            "_time" => $"_time + {Sql.Number(shift)}",
            "host" => $"if(host = '', '', concat(host, {Sql.Literal(suffix)}))",
            "batch" => $"concat(batch, {Sql.Literal("~" + copy.ToString(CultureInfo.InvariantCulture))})",
            "ingest" => $"ingest + {ingestShift.ToString(CultureInfo.InvariantCulture)}",
            "fields" => Fields(shift, suffix),
            _ => null,
        };
    }

    /// <summary>
    /// The typed row's <c>_time</c> and <c>host</c> rewritten. In the JSON of <see cref="RowCodec"/>
    /// a key is found once: <c>"name":</c> cannot occur inside a string, whose quotes are escaped.
    /// The time's number is cut out and the new one put in (18.16's <c>replaceRegexpOne</c> takes
    /// only a constant replacement); a time that is not a number is left as it is, as the engine
    /// leaves it (NaN moved stays NaN). The host keeps its JSON escapes and gains the suffix
    /// before its closing quote.
    /// </summary>
    private static string Fields(double shift, string suffix)
    {
        const string Key = "position(fields, '\"_time\":')";
        var number = $"extract(substring(fields, {Key} + 8), '^[-+.0-9eE]+')";
        var time = $"if({Key} = 0 OR {number} = '', fields, concat(substring(fields, 1, {Key} + 7), toString(_time + {Sql.Number(shift)}), substring(fields, {Key} + 8 + length({number}))))";
        return $"replaceRegexpOne({time}, {Sql.Literal("(\"host\":\"(?:[^\"\\\\]|\\\\.)*)\"")}, {Sql.Literal("\\1" + suffix + "\"")})";
    }
}
