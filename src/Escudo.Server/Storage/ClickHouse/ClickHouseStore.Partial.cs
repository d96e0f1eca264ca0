using System.Globalization;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Partial results (serve's <c>partialResults</c>, off by default): with a shard down, a search that
/// can carry a message is answered from the shards that answered, with a warning naming the one that
/// did not, as Splunk's search head warns when a search peer is down; never a silently short answer.
/// </summary>
public sealed partial class ClickHouseStore
{
    /// <summary>Answer searches from the live shards, with a warning, instead of failing them, while a shard is down.</summary>
    public bool PartialResults { get; init; }

    /// <summary>
    /// A scan for a search that can carry messages (<paramref name="warn"/>). Without partial results,
    /// on one server, or without a place for the warning, it is the ordinary scan through the
    /// Distributed table, which fails when a shard is down. With them, each shard's own table is read
    /// through that shard's HTTP address, so Escudo knows exactly which shards answered (a Distributed
    /// query with <c>skip_unavailable_shards</c> does not say which it skipped), and the answers are
    /// merged in commit order as the Distributed table's <c>ORDER BY ingest, seq</c> merges them.
    /// </summary>
    public IEnumerable<Row> Scan(ScanRequest request, Pushdown pushdown, CancellationToken cancellation, Action<string>? warn) =>
        PartialResults && warn is not null && _cluster is not null
            ? ScanLiveShards(request, pushdown, cancellation, warn)
            : Scan(request, pushdown, cancellation);

    private IEnumerable<Row> ScanLiveShards(ScanRequest request, Pushdown pushdown, CancellationToken cancellation, Action<string> warn)
    {
        if (ClickHouseSql.Where(request.Time, pushdown, request.Condition) is not { } where)
        {
            yield break; // contradictory constraints: nothing can match
        }

        var prewhere = ClickHouseSql.Prewhere(request.Time, pushdown, request.Condition);
        var streams = new List<ShardAnswer>();
        try
        {
            ClickHouseException? down = null;
            for (var i = 0; i < _nodes.Count; i++)
            {
                try
                {
                    var response = _nodes[i].Query($"SELECT {StoredColumns}, ingest, seq FROM events PREWHERE {prewhere} WHERE {where} ORDER BY ingest, seq FORMAT RowBinary");
                    streams.Add(new ShardAnswer(response, response.Content.ReadAsStream(cancellation)));
                }
                catch (ClickHouseException e) when (e.Code is null)
                {
                    // No answer at all (refused, reset, timed out): the shard is down. An error ClickHouse
                    // answers with (a bad query, a missing table) is not a shard down and fails the search.
                    down = e;
                    warn(ShardDownWarning(i, e));
                }
            }

            if (streams.Count == 0)
            {
                throw new ClickHouseException($"no shard of cluster '{_cluster}' answered; the search has no events to run on ({down?.Message})", down?.Node ?? _nodes[0].Address, inner: down);
            }

            foreach (var row in Merge(streams, cancellation))
            {
                yield return row;
            }
        }
        finally
        {
            foreach (var s in streams)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>
    /// The warning for a shard that did not answer, in the words of Splunk's distributed search
    /// (<c>Unable to distribute to peer named ... at uri ... because peer has status = "Down"</c>;
    /// help.splunk.com, Distributed search error messages: <c>status=down</c>, "the specified remote
    /// peer is not available"), saying what it means for the answer.
    /// </summary>
    private string ShardDownWarning(int node, ClickHouseException e) =>
        $"Unable to distribute to peer named shard {(node + 1).ToString(CultureInfo.InvariantCulture)} of cluster '{_cluster}' at uri {_nodes[node].Address} "
        + $"because peer has status = \"Down\" ({e.Message}). Search results might be incomplete: they hold only the events of the shards that answered.";

    /// <summary>The shards' answers, each in commit order, merged into one in commit order.</summary>
    private IEnumerable<Row> Merge(List<ShardAnswer> streams, CancellationToken cancellation)
    {
        var origins = new StoreOrigins();
        var queue = new PriorityQueue<ShardAnswer, (ulong Ingest, uint Seq, int Shard)>();
        for (var i = 0; i < streams.Count; i++)
        {
            streams[i].Index = i;
            if (Advance(streams[i], origins))
            {
                queue.Enqueue(streams[i], (streams[i].Ingest, streams[i].Seq, i));
            }
        }

        var count = 0;
        while (queue.TryDequeue(out var s, out _))
        {
            if ((++count & 1023) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            yield return s.Current!;
            if (Advance(s, origins))
            {
                queue.Enqueue(s, (s.Ingest, s.Seq, s.Index));
            }
        }
    }

    /// <summary>Reads a shard's next row; false at the end of its answer (an answer that breaks off fails the search).</summary>
    private bool Advance(ShardAnswer s, StoreOrigins origins)
    {
        if (ReadEnd(s.Reader))
        {
            return false;
        }

        s.Current = ReadOne(s.Reader, origins);
        s.Ingest = s.Reader.UInt64();
        s.Seq = s.Reader.UInt32();
        return true;
    }

    /// <summary>One shard's answer being read.</summary>
    private sealed class ShardAnswer(HttpResponseMessage response, Stream stream) : IDisposable
    {
        public RowBinaryReader Reader { get; } = new(stream);

        public Row? Current { get; set; }

        public ulong Ingest { get; set; }

        public uint Seq { get; set; }

        public int Index { get; set; }

        public void Dispose()
        {
            stream.Dispose();
            response.Dispose();
        }
    }
}
