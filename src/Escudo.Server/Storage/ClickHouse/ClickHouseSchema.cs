using System.Globalization;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Escudo's tables in ClickHouse, created and migrated by Escudo on every shard it is given
/// (without ZooKeeper, <c>ON CLUSTER</c> is not available, so each shard gets its DDL directly).
/// Each shard holds local MergeTree tables; <c>*_all</c> Distributed tables over the cluster read
/// every shard and route inserts (events by <c>cityHash64(host)</c>). On one server without a
/// cluster, the local tables are read and written directly. Only what 18.16 has is used: no Map,
/// no LowCardinality; key/value arrays hold the fields without a column of their own.
/// </summary>
internal static class ClickHouseSchema
{
    /// <summary>
    /// Extracted fields that detections filter on most, each a column of its own (<c>f_&lt;name&gt;</c>),
    /// holding the field's value when it has one value (a multivalue field stays in the arrays only).
    /// </summary>
    public static readonly IReadOnlyList<string> FieldColumns =
    [
        "user", "dest", "src", "process_name", "parent_process_name", "process", "Image", "ParentImage",
        "CommandLine", "ParentCommandLine", "TargetObject", "DestinationIp", "DestinationPort", "SourceIp",
        "ServiceName", "Channel", "Computer", "signature_id",
    ];

    /// <summary>The columns of the events table, in insert order.</summary>
    public static string EventColumns() =>
        "_time Float64, idx String, host String, source String, sourcetype String, event_code String, "
        + string.Concat(FieldColumns.Select(f => $"f_{f} String, "))
        + "kv_key Array(String), kv_value Array(String), _raw String, fields String, ingest UInt64, batch String, seq UInt32";

    /// <summary>Migrations in order; a shard's <c>schema_migrations</c> says which it has. Never edit one that shipped: add another.</summary>
    public static IReadOnlyList<string[]> Migrations(string? cluster, string database)
    {
        string Distributed(string local, string key) =>
            cluster is null ? string.Empty : $"CREATE TABLE IF NOT EXISTS {local}_all AS {local} ENGINE = Distributed({cluster}, {database}, {local}, {key})";

        return
        [
            [
                // Ordered for detection access: a time range, then sourcetype and EventCode, then host
                // (migration 4 reorders it: ClickHouseEventsOrder).
                $"CREATE TABLE IF NOT EXISTS events ({EventColumns()}) ENGINE = MergeTree ORDER BY (_time, sourcetype, event_code, host)",
                Distributed("events", "cityHash64(host)"),
                "CREATE TABLE IF NOT EXISTS runs (detection_id String, detection String, scheduled Float64, earliest Float64, latest Float64, "
                    + "status String, results Int32, notables Int32, risks Int32, error String, has_error UInt8, ran_at Float64) "
                    + "ENGINE = MergeTree ORDER BY (detection_id, scheduled)",
                Distributed("runs", "cityHash64(detection_id)"),
                "CREATE TABLE IF NOT EXISTS probe (shard UInt32, probed_at Float64) ENGINE = MergeTree ORDER BY shard",
                Distributed("probe", "shard"),
            ],
            [
                // Claims on scheduled windows by the nodes of a multi-node deployment (ClickHouseWindowLease).
                "CREATE TABLE IF NOT EXISTS leases (detection_id String, scheduled Float64, node String, claimed Float64, expires Float64) "
                    + "ENGINE = MergeTree ORDER BY (detection_id, scheduled)",
                Distributed("leases", "cityHash64(detection_id)"),

                // HEC requests on acknowledgement channels whose write began (ClickHouseStore.WriteRequest).
                "CREATE TABLE IF NOT EXISTS batches (batch String, ingest UInt64) ENGINE = MergeTree ORDER BY batch",
                Distributed("batches", "cityHash64(batch)"),
            ],
            [
                // Data-model rows filled at ingest (ClickHouseDataModelRows), on their event's shard;
                // ordered by dataset first, so one dataset's rows in a time range are read alone.
                // Existing events are mapped into it after this migration (ClickHouseStore.BackfillDataModels).
                $"CREATE TABLE IF NOT EXISTS dm_rows ({ClickHouseDataModelRows.Columns}) ENGINE = MergeTree ORDER BY (dataset, _time)",
                Distributed("dm_rows", "cityHash64(host)"),
            ],

            // The events table copied into one ordered for selective searches (ClickHouseEventsOrder, run after this empty step).
            [],

            // The events table copied into one of 1,024-row granules (ClickHouseEventsOrder.Granularity), run after this empty step.
            [],
        ];
    }

    /// <summary>The migration that creates <c>dm_rows</c>: a node that lacked it has its events mapped into it.</summary>
    public const int DataModelRowsVersion = 3;

    /// <summary>Creates the database and applies the migrations a node lacks; the schema version it had before.</summary>
    public static int Migrate(ClickHouseNode node, string database, string? cluster, Action<int>? afterMigration = null)
    {
        node.Execute($"CREATE DATABASE IF NOT EXISTS {database}", inDatabase: false);
        node.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, applied_at DateTime) ENGINE = MergeTree ORDER BY version");
        var have = node.Execute("SELECT max(version) FROM schema_migrations");
        var current = int.TryParse(have, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
        var migrations = Migrations(cluster, database);
        for (var i = current; i < migrations.Count; i++)
        {
            foreach (var statement in migrations[i].Where(s => s.Length > 0))
            {
                node.Execute(statement);
            }

            // Recorded only after its follow-up work (a backfill) is done: cut short, it is done again.
            afterMigration?.Invoke(i + 1);
            node.Execute($"INSERT INTO schema_migrations VALUES ({(i + 1).ToString(CultureInfo.InvariantCulture)}, now())");
        }

        return current;
    }
}
