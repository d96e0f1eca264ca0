using System.Globalization;
using DuckDB.NET.Data;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Ingest.Xml;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Macros;

namespace Escudo.Tests.Server;

/// <summary>
/// A field equality narrows a DuckDB scan through the <c>field_keys</c> column (<see cref="FieldKeys"/>)
/// instead of reading every candidate's <c>_raw</c>: selective searches give the same rows and
/// evidence over a store with the keys as over the same events in a store written without them
/// (the column dropped, then added back null on open), for values differing in case, non-ASCII
/// letters the engine's comparison folds onto ASCII, multivalue and numeric fields, fields absent
/// from the keys, wildcards, NOT and OR; and the keys do make the store hand over fewer rows.
/// </summary>
public sealed class FieldKeysDifferentialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-fieldkeys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Searches() =>
    [
        "user=user42",
        "user=USER42",
        "user=system",
        "user=admin user=ADMIN",
        "User=*admin*",
        "NOT user=admin",
        "user IN (admin, user42, nobody)",
        "user=admin OR host=wks-1",
        "user=42",
        "user=x",
        "user=\"\"",
        "nosuch=1 user=admin",
        "EventCode=1 user=user42 | stats count by host",
        "process_name=p1.exe",
        "dest=WKS-1 | stats count by user",
        "Computer=wks-2 user=a&amp;b",
        "src=10.0.0.0/8",
    ];

    [Theory]
    [MemberData(nameof(Searches))]
    public void Searches_give_the_same_results_with_the_keys_as_without(string search)
    {
        var (keyed, plain) = Stores();
        using (keyed)
        using (plain)
        {
            var with = Run(keyed, search);
            var without = Run(plain, search);
            Assert.True(with.SequenceEqual(without), $"{search}\nwith keys:\n{string.Join('\n', with)}\nwithout:\n{string.Join('\n', without)}");
        }
    }

    [Fact]
    public void The_keys_narrow_the_rows_a_selective_scan_reads()
    {
        var (keyed, plain) = Stores();
        using (keyed)
        using (plain)
        {
            var request = new ScanRequest(TimeRange.All) { Condition = new ScanAnd([new ScanFieldMatch("user", ["user42"])]) };
            var fromKeyed = keyed.Scan(request, Pushdown.None, CancellationToken.None).Count();
            var fromPlain = plain.Scan(request, Pushdown.None, CancellationToken.None).Count();
            Assert.Equal(Events().Count, fromPlain); // no keys: every row is a candidate
            Assert.InRange(fromKeyed, 1, fromPlain / 4);
        }
    }

    [Fact]
    public void A_rows_keys_hold_each_value_as_shown_and_upper_cased()
    {
        var row = new Row(4);
        row.Set("user", Value.FromMulti(["Admin", "x"]));
        row.Set("LogonType", Value.FromNumber(3));
        row.Set("other", Value.FromString("kept out"));
        Assert.Equal("\nuser=ADMIN\nuser=X\nLogonType=3\n", FieldKeys.Of(row));
    }

    [Fact]
    public void Every_character_the_engine_takes_for_an_ascii_letter_is_keyed_as_that_letter()
    {
        // The superset rule: a value equal to an ASCII pattern ignoring case (as the engine compares) has the pattern's key.
        for (var c = (char)1; c < char.MaxValue; c++)
        {
            for (var a = (char)1; a < 128 && !char.IsSurrogate(c); a++)
            {
                if (!string.Equals(c.ToString(), a.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var row = new Row(1);
                row.Set("user", Value.FromString("x" + c));
                Assert.Contains("\nuser=" + ("x" + a).ToUpperInvariant() + "\n", FieldKeys.Of(row), StringComparison.Ordinal);
            }
        }
    }

    private (DuckDbStore Keyed, DuckDbStore Plain) Stores()
    {
        var keyedPath = Path.Combine(_dir, "keyed");
        var plainPath = Path.Combine(_dir, "plain");
        var keyed = new DuckDbStore(keyedPath);
        keyed.Commit(Events(), []);
        using (var old = new DuckDbStore(plainPath))
        {
            old.Commit(Events(), []);
        }

        using (var conn = new DuckDBConnection("Data Source=" + Path.Combine(plainPath, "escudo.duckdb")))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "ALTER TABLE events DROP COLUMN field_keys; CHECKPOINT;";
            cmd.ExecuteNonQuery();
        }

        return (keyed, new DuckDbStore(plainPath));
    }

    private static List<string> Run(DuckDbStore store, string search)
    {
        var searchStore = new SearchStore(store, CancellationToken.None);
        var compiled = SplEngine.Compile("search " + search, new SearchContext { Events = searchStore, DataModels = searchStore, Lookups = new LookupStore(), Macros = BuiltInMacros.Instance });
        Assert.True(compiled.Success, search);
        return [.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r, withEvidence: true))];
    }

    private static readonly string[] Users = ["admin", "ADMIN", "\u017Fystem", "SYSTEM", "user42", "a&amp;b", "adm\u0131n"];

    /// <summary>Sysmon XML stored as recipes (user from User without its domain), and HEC JSON events with multivalue, numeric and missing users.</summary>
    private static List<Row> Events()
    {
        var rows = new List<Row>();
        for (var i = 0; i < 42; i++)
        {
            var xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>"
                + $"<TimeCreated SystemTime='2023-11-14T22:{10 + i}:00.0000000Z'/><EventRecordID>{i}</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>wks-{i % 3}</Computer></System>"
                + $"<EventData><Data Name='Image'>C:\\Windows\\p{i % 4}.exe</Data><Data Name='User'>CORP\\{Users[i % Users.Length]}</Data></EventData></Event>";
            var recipe = new XmlRowRecipe(null, "XmlWinEventLog", null, "main");
            var row = recipe.Map(WindowsXmlParser.Parse(xml)!, xml);
            recipe.Attach(row);
            rows.Add(row);
        }

        for (var i = 0; i < 14; i++)
        {
            var row = new Row(8);
            row.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + i));
            row.Set(FieldTable.Index, Value.FromString("main"));
            row.Set(FieldTable.Host, Value.FromString("wks-" + (i % 3).ToString(CultureInfo.InvariantCulture)));
            row.Set("EventCode", Value.FromString("1"));
            if (i % 4 == 0)
            {
                row.Set("user", Value.FromMulti([Users[i % Users.Length], "x"]));
            }
            else if (i % 4 == 1)
            {
                row.Set("user", Value.FromNumber(42));
            }
            else if (i % 4 == 2)
            {
                row.Set("user", Value.FromString(string.Empty));
            }

            row.Set(FieldTable.Raw, Value.FromString($"json event {i} user42"));
            rows.Add(row);
        }

        return rows;
    }
}
