using System.Globalization;
using DuckDB.NET.Data;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;

namespace Escudo.Server.Storage;

/// <summary>
/// A search's leading stats run in DuckDB (<see cref="DuckDbAggregateSql"/>): one row per group
/// comes back instead of every event decoded, with the evidence the engine keeps (the first rows in
/// read order, decoded for their provenance, and the count and time span of all). Refused, so the
/// engine scans and aggregates, when the request holds something the translation does not do
/// exactly, or when a row of the time range has columns that may not be its fields. The check, the
/// groups and their evidence are read in one transaction, so one snapshot of the store.
/// </summary>
public sealed partial class DuckDbStore : IEventAggregateStore, IEventAggregateSource
{
    /// <summary>Row ids per query when the groups' evidence rows are read back.</summary>
    private const int EvidenceBatch = 2048;

    private static readonly IReadOnlySet<string> EvidenceFields = new HashSet<string>(StringComparer.Ordinal) { "_time" };

    private long _aggregatesPushed;
    private long _aggregatesRefused;

    /// <summary>Stats answered by DuckDB, and those refused, since the store opened.</summary>
    internal (long Pushed, long Refused) AggregateCounts => (Interlocked.Read(ref _aggregatesPushed), Interlocked.Read(ref _aggregatesRefused));

    public IReadOnlyList<AggregateGroup>? AggregateEvents(AggregateRequest request) => AggregateEvents(request, CancellationToken.None);

    public IReadOnlyList<AggregateGroup>? AggregateEvents(AggregateRequest request, CancellationToken cancellation)
    {
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        var n = 0;
        string Parameter(object value)
        {
            cmd.Parameters.Add(new DuckDBParameter("p" + n, value));
            return "$p" + n++;
        }

        if (DuckDbAggregateSql.Select(request, Parameter) is not { } select)
        {
            Interlocked.Increment(ref _aggregatesRefused);
            return null;
        }

        using var tx = conn.BeginTransaction();
        if (HasInexactRows(conn, request))
        {
            Interlocked.Increment(ref _aggregatesRefused);
            return null;
        }

        cancellation.ThrowIfCancellationRequested();
        cmd.CommandText = select;
        var kinds = request.Calls.Select(DuckDbAggregateSql.ResultKind).ToArray();
        var found = new List<(Value[] Key, Value[] Results, long Count, double First, double Last, long FirstId, List<long> Ids)>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                if (Group(reader, request, kinds) is { } group)
                {
                    found.Add(group);
                }
            }
        }

        var refs = EvidenceRefs(conn, found.SelectMany(g => g.Ids), cancellation);
        tx.Commit();
        Interlocked.Increment(ref _aggregatesPushed);

        // In the order the engine makes groups (as their first rows come): its sort is not stable, so groups it finds
        // equal (01 and 1, both the number 1) come out in the order they were made.
        return [.. found.OrderBy(g => g.FirstId).Select(g => new AggregateGroup(g.Key, g.Results, Evidence.FromSummary(g.Ids.Select(id => refs[id]), g.Count, g.First, g.Last)))];
    }

    private static bool HasInexactRows(DuckDBConnection conn, AggregateRequest request)
    {
        using var check = conn.CreateCommand();
        var n = 0;
        check.CommandText = DuckDbAggregateSql.Inexact(request.Time, value =>
        {
            check.Parameters.Add(new DuckDBParameter("p" + n, value));
            return "$p" + n++;
        });
        return Convert.ToInt64(check.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>One group of the answer; null for the single row DuckDB answers over no rows when there are no by-fields.</summary>
    private static (Value[] Key, Value[] Results, long Count, double First, double Last, long FirstId, List<long> Ids)? Group(DuckDBDataReader reader, AggregateRequest request, char[] kinds)
    {
        var keys = request.By.Count;
        var at = keys + kinds.Length;
        var count = reader.GetInt64(at);
        if (count == 0)
        {
            return null;
        }

        var key = new Value[keys];
        for (var i = 0; i < keys; i++)
        {
            key[i] = Value.FromString(reader.GetString(i));
        }

        var results = new Value[kinds.Length];
        for (var i = 0; i < kinds.Length; i++)
        {
            var column = keys + i;
            results[i] = kinds[i] switch
            {
                'n' => Value.FromNumber(reader.GetInt64(column)),
                'a' when reader.IsDBNull(column) => Value.Null, // no row of the group has the field
                'a' => Value.FromMulti([.. reader.GetFieldValue<List<string>>(column).Order(StringComparer.Ordinal)]), // values() sorts ordinally
                _ => reader.IsDBNull(column) ? Value.Null : Value.FromNumber(reader.GetDouble(column)),
            };
        }

        var first = reader.IsDBNull(at + 1) ? double.NaN : reader.GetDouble(at + 1);
        var last = reader.IsDBNull(at + 2) ? double.NaN : reader.GetDouble(at + 2);
        var ids = request.EvidenceLimit > 0 ? reader.GetFieldValue<List<long>>(at + 4) : [];
        return (key, results, count, first, last, reader.GetInt64(at + 3), ids);
    }

    /// <summary>Each evidence row's reference, as a scan stamps it (<see cref="Stored"/>): its source, host and channel, row id and time.</summary>
    private static Dictionary<long, EventRef> EvidenceRefs(DuckDBConnection conn, IEnumerable<long> ids, CancellationToken cancellation)
    {
        var refs = new Dictionary<long, EventRef>();
        var subset = new StoredFieldSubset(EvidenceFields);
        var origins = new StoreOrigins();
        foreach (var batch in ids.Distinct().Chunk(EvidenceBatch))
        {
            cancellation.ThrowIfCancellationRequested();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT CASE WHEN starts_with(fields, '[') THEN _raw END, fields, rowid, source, host FROM events WHERE rowid IN ("
                + string.Join(", ", batch.Select(id => id.ToString(CultureInfo.InvariantCulture))) + ")";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var row = Stored(reader, origins, subset);
                refs[row.Ref.Record] = row.Ref;
            }
        }

        return refs;
    }
}
