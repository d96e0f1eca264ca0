using Escudo.Tests.Server;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// Provenance on the two-shard cluster: the same checks as on the embedded store
/// (<see cref="EvidenceLookupChecks"/>): every event a notable references is found again by its
/// row id and is the event sent through HEC.
/// </summary>
[Collection("clickhouse")]
public sealed class ClickHouseEvidenceTests(ClickHouseCluster cluster)
{
    [ClickHouseFact]
    public async Task Each_event_a_notable_references_is_found_by_its_row_id_and_is_the_event_sent()
    {
        var database = "escudo_t" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await EvidenceLookupChecks.RunAsync(o => o.Store = cluster.In(database).ToString());
        }
        finally
        {
            cluster.Drop(database);
        }
    }
}
