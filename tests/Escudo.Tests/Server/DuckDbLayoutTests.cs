using System.Globalization;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Server.Storage;

namespace Escudo.Tests.Server;

/// <summary>
/// The DuckDB store's file layout: small row groups (so an automatic checkpoint under HEC load
/// rewrites little), one DuckDB instance per file in the process, and the file reopened as written.
/// </summary>
public sealed class DuckDbLayoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-layout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Row Event(int n)
    {
        var row = new Row(8);
        row.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + n));
        row.Set(FieldTable.Index, Value.FromString("main"));
        row.Set(FieldTable.Host, Value.FromString("h" + (n % 7).ToString(CultureInfo.InvariantCulture)));
        row.Set(FieldTable.Source, Value.FromString("test"));
        row.Set(FieldTable.SourceType, Value.FromString("layout"));
        row.Set(FieldTable.Raw, Value.FromString("event " + n.ToString(CultureInfo.InvariantCulture)));
        row.Set("n", Value.FromNumber(n));
        return row;
    }

    [Fact]
    public void Events_are_stored_in_row_groups_of_at_most_2048_rows_and_read_back_after_reopening()
    {
        const int events = 5_000;
        using (var store = new DuckDbStore(_dir))
        {
            store.Commit([.. Enumerable.Range(0, events).Select(Event)], []);

            // Read through the store's own instance (a second instance on the same file would be a second writer).
            using var c = DuckDbFiles.Open(store.Path_);
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CHECKPOINT";
            cmd.ExecuteNonQuery();
            cmd.CommandText = "SELECT count(DISTINCT row_group_id), max(count) FROM pragma_storage_info('events') WHERE column_name = '_time'";
            using var r = cmd.ExecuteReader();
            Assert.True(r.Read());
            Assert.Equal(3, Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture)); // 2048 + 2048 + 904
            Assert.True(Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture) <= DuckDbFiles.RowGroupSize);
        }

        using var reopened = new DuckDbStore(_dir);
        var read = reopened.Scan(new ScanRequest(TimeRange.All)).Select(e => (int)e.Get("n").RawNumber).ToList();
        Assert.Equal(Enumerable.Range(0, events), read);
    }

    /// <summary>
    /// The served store runs under serve's memory limit (DuckDB's own default is 80% of RAM,
    /// https://duckdb.org/docs/stable/operations_manual/limits), with its spill directory beside the file.
    /// </summary>
    [Fact]
    public void The_served_store_has_serves_memory_limit_and_spills_beside_its_file()
    {
        string Setting(DuckDB.NET.Data.DuckDBConnection c, string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture)!;
        }

        // What DuckDB reports for the limit set by hand on an instance of its own, and its default.
        using var plain = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        plain.Open();
        var unlimited = Setting(plain, "SELECT current_setting('memory_limit')");
        Setting(plain, $"SET memory_limit='{Escudo.Server.ServeOptions.DefaultStoreMemoryLimit}'");
        var expected = Setting(plain, "SELECT current_setting('memory_limit')");
        Assert.NotEqual(unlimited, expected);

        using var store = new DuckDbStore(_dir, new Escudo.Server.ServeOptions().StoreMemoryLimit);
        using var c = DuckDbFiles.Open(store.Path_);
        Assert.Equal(expected, Setting(c, "SELECT current_setting('memory_limit')"));
        Assert.Equal(store.Path_ + ".tmp", Setting(c, "SELECT current_setting('temp_directory')"));
    }

    [Fact]
    public void Console_tables_share_the_open_store_instance_and_work_after_it_closes()
    {
        using (var store = new DuckDbStore(_dir))
        {
            store.Commit([Event(1)], []);
            var reviews = new NotableReviews(store.Path_);
            Assert.Empty(reviews.All());
            Assert.Equal(1, new StoreSummary(store.Path_).Indexes().Single().Count);
        }

        // No store open: the summary opens the file by path.
        Assert.Equal(1, new StoreSummary(Path.Combine(_dir, "escudo.duckdb")).Indexes().Single().Count);
    }
}
