using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// <c>tstats</c> aggregated in ClickHouse (<see cref="ClickHouseAggregateSql"/>): one row per group
/// comes back instead of every data-model row, with the same evidence the engine keeps (the first
/// rows in read order, <c>ingest, seq, batch</c>, their count and time span). Refused, so the engine
/// aggregates the rows itself, when the request holds something the translation does not do
/// exactly, or when ClickHouse counts a row whose value it cannot read exactly.
/// </summary>
public sealed partial class ClickHouseStore : IDataModelAggregateStore, IAggregateSource
{
    /// <summary>ClickHouse's MEMORY_LIMIT_EXCEEDED.</summary>
    private const int MemoryLimitExceeded = 241;

    private long _aggregatesPushed;
    private long _aggregatesRefused;

    /// <summary>Aggregates answered by ClickHouse, and those refused (before or after asking), since the store opened.</summary>
    internal (long Pushed, long Refused) AggregateCounts => (Interlocked.Read(ref _aggregatesPushed), Interlocked.Read(ref _aggregatesRefused));

    public IReadOnlyList<AggregateGroup>? Aggregate(DataModelDataset dataset, AggregateRequest request) => Aggregate(dataset, request, CancellationToken.None);

    public IReadOnlyList<AggregateGroup>? Aggregate(DataModelDataset dataset, AggregateRequest request, CancellationToken cancellation)
    {
        if (ClickHouseAggregateSql.Refusal(request) is not null || ClickHouseSql.Where(request.Time, Pushdown.None) is not { } time)
        {
            Interlocked.Increment(ref _aggregatesRefused);
            return null;
        }

        var kinds = request.Calls.Select(ClickHouseAggregateSql.ResultKind).ToArray();
        var groups = new List<AggregateGroup>();
        HttpResponseMessage answer;
        try
        {
            answer = QueryAnyNode(ClickHouseAggregateSql.Select(Table("dm_rows"), dataset, request, time));
        }
        catch (ClickHouseException e) when (e.Code == MemoryLimitExceeded)
        {
            // A group's evidence sorts the keys of all its rows in ClickHouse's memory; past its
            // limit the engine aggregates the rows itself, as it would without this store.
            Interlocked.Increment(ref _aggregatesRefused);
            return null;
        }

        using (var response = answer)
        {
            var origins = new StoreOrigins();
            foreach (var group in ReadRows<AggregateGroup?>(response, (reader, _) => ReadGroup(reader, request.By.Count, kinds, origins), cancellation))
            {
                if (group is null)
                {
                    Interlocked.Increment(ref _aggregatesRefused);
                    return null; // a row ClickHouse could not read exactly: the engine aggregates
                }

                if (group.Evidence.Count > 0)
                {
                    groups.Add(group); // without by fields, ClickHouse answers one row even over no rows
                }
            }
        }

        Interlocked.Increment(ref _aggregatesPushed);
        return groups;
    }

    /// <summary>One group of the answer, or null when it counted an uncertain row. Reads the whole row either way.</summary>
    private static AggregateGroup? ReadGroup(RowBinaryReader reader, int keyCount, char[] kinds, StoreOrigins origins)
    {
        var key = new Value[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            key[i] = Value.FromString(reader.String());
        }

        var results = new Value[kinds.Length];
        for (var i = 0; i < kinds.Length; i++)
        {
            results[i] = kinds[i] switch
            {
                'n' => Value.FromNumber(reader.UInt64()),
                'a' => Value.FromMulti(ReadStrings(reader)),
                _ => Value.FromNumber(reader.Float64()),
            };
        }

        var count = (long)reader.UInt64();
        var first = reader.Float64();
        var last = reader.Float64();
        var refs = new EventRef[(int)reader.VarUInt()];
        for (var i = 0; i < refs.Length; i++)
        {
            reader.UInt64(); // ingest, seq and batch: the read order the array was sorted by
            reader.UInt32();
            reader.String();
            var rowId = (long)reader.UInt64();
            var source = reader.String();
            var host = reader.String();
            var channel = reader.String();
            var time = reader.Float64();
            refs[i] = new EventRef(origins.Of(source, host.Length == 0 ? null : host, channel.Length == 0 ? null : channel), rowId, time);
        }

        var uncertain = reader.UInt64();
        return uncertain > 0 ? null : new AggregateGroup(key, results, Evidence.FromSummary(refs, count, first, last));
    }

    private static string[] ReadStrings(RowBinaryReader reader)
    {
        var items = new string[(int)reader.VarUInt()];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = reader.String();
        }

        return items;
    }
}
