using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Escudo.Core.Events;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Writes a batch's events straight into each shard's local tables, each shard's rows to its own
/// node, the shards in parallel, in chunks whose encoding overlaps the previous chunk's insert.
/// Through the Distributed table (as before), the first node parsed every row, then re-sent the
/// other shards' rows over its native protocol, and the next chunk waited for both: the commit
/// rate of a cluster was one node's. An event's shard is a hash of its host, as the Distributed
/// table's <c>cityHash64(host)</c> key did (XxHash3 here: Escudo computes it, not ClickHouse, so
/// it need not be the same function; reads go through the Distributed table, which reads all
/// shards). A shard's rows go only to that shard: a shard that is down fails the insert, never
/// moving its rows elsewhere. Each chunk insert is acknowledged by its server once its part is
/// written; the caller finds out which positions arrived after a failure.
/// </summary>
internal sealed class ClickHouseShardedInsert(IReadOnlyList<ClickHouseNode> nodes, IClickHouseRowEncoder encoder)
{
    /// <summary>Rows per insert: a part of a few tens of MB, and memory bounded per node whatever the batch size.</summary>
    public const int ChunkRows = 8192;

    /// <summary>The index of the shard (in the store's host list) that holds events of this host.</summary>
    public static int ShardOf(string? host, int shards) =>
        shards == 1 ? 0 : (int)(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(host ?? string.Empty)) % (ulong)shards);

    /// <summary>Inserts the rows at <paramref name="positions"/>; returns when every shard acknowledged its rows, or throws the first failure once no insert is running.</summary>
    public void Insert(List<Row> rows, List<int> positions, string batch, ulong ingest, IReadOnlySet<int>? modelled = null)
    {
        var byShard = new List<int>[nodes.Count];
        for (var s = 0; s < byShard.Length; s++)
        {
            byShard[s] = [];
        }

        foreach (var i in positions)
        {
            byShard[ShardOf(rows[i].Get(FieldTable.Host).FirstString(), nodes.Count)].Add(i);
        }

        var work = Enumerable.Range(0, nodes.Count).Where(s => byShard[s].Count > 0).ToList();
        if (work.Count == 1)
        {
            InsertShard(work[0], rows, byShard[work[0]], batch, ingest, modelled);
            return;
        }

        var tasks = work.Select(s => Task.Run(() => InsertShard(s, rows, byShard[s], batch, ingest, modelled))).ToArray();
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<ClickHouseException>().FirstOrDefault() is { } first)
        {
            throw first;
        }
    }

    /// <summary>One shard's rows in chunks: the next chunk is encoded while the previous one is being inserted.</summary>
    private void InsertShard(int shard, List<Row> rows, List<int> positions, string batch, ulong ingest, IReadOnlySet<int>? modelled)
    {
        var node = nodes[shard];
        Task? pending = null;
        for (var start = 0; start < positions.Count; start += ChunkRows)
        {
            var chunk = positions.GetRange(start, Math.Min(ChunkRows, positions.Count - start));
            var bodies = encoder.Encode(rows, chunk, batch, ingest, modelled);
            pending?.GetAwaiter().GetResult();
            var queryId = string.Create(CultureInfo.InvariantCulture, $"{batch}-{shard}-{chunk[0]}-{chunk.Count}");
            pending = Task.Run(() =>
            {
                foreach (var (table, body) in bodies)
                {
                    node.Insert($"INSERT INTO {table} FORMAT RowBinary", body.WrittenMemory, queryId + "-" + table);
                }
            });
        }

        pending?.GetAwaiter().GetResult();
    }
}

/// <summary>Encodes a chunk of a batch's rows as RowBinary bodies, one per local table, in the order they are inserted.</summary>
internal interface IClickHouseRowEncoder
{
    IReadOnlyList<(string Table, RowBinaryWriter Body)> Encode(List<Row> rows, List<int> positions, string batch, ulong ingest, IReadOnlySet<int>? modelled);
}
