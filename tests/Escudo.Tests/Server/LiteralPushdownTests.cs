using System.Globalization;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;
using Escudo.Detections.Output;
using Escudo.Detections.Store;
using Escudo.Server.Storage;
using Escudo.Spl;
using Escudo.Spl.Execution;

namespace Escudo.Tests.Server;

/// <summary>
/// The DuckDB store narrows a scan by the search's necessary literals in SQL
/// (<see cref="LiteralPushdown"/>): the same rows as the engine's own filter over the same events
/// in memory, on values built to fall between the two (case, the two non-ASCII letters that
/// upper-case into ASCII, JSON escapes, numbers, multivalues, non-ASCII text), and fewer rows decoded.
/// </summary>
public sealed class LiteralPushdownTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-literals-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Users =
        ["admin", "ADMIN", "adm\u0131n", "\u017Fystem", "SYSTEM", "bob \"quoted\"", "C:\\Users\\carol", "ünïcode", "Ünïcode", "user42", "user420", "plus+sign", "tab\there", "<html>&amp;'"];

    private static List<Row> Events()
    {
        var rows = new List<Row>();
        for (var i = 0; i < Users.Length * 3; i++)
        {
            var row = new Row(8);
            row.Set(FieldTable.Time, Value.FromNumber(1_700_000_000 + i));
            row.Set(FieldTable.Index, Value.FromString("main"));
            row.Set(FieldTable.Host, Value.FromString("h" + (i % 3).ToString(CultureInfo.InvariantCulture)));
            row.Set(FieldTable.Source, Value.FromString("lit"));
            row.Set(FieldTable.SourceType, Value.FromString("lit"));
            row.Set(FieldTable.Raw, Value.FromString($"event {i} raw {Users[(i + 1) % Users.Length]}"));
            row.Set("user", Value.FromString(Users[i % Users.Length]));
            row.Set("n", Value.FromNumber(i == 0 ? 1e21 : i * 1.5));
            row.Set("groups", Value.FromMulti(["g" + (i % 4).ToString(CultureInfo.InvariantCulture), "Admins"]));
            rows.Add(row);
        }

        return rows;
    }

    public static TheoryData<string> Searches() =>
    [
        "user=admin", "user=ADMIN", "user=system", "user=*ystem", "user=\"bob \\\"quoted\\\"\"", "user=\"C:\\\\Users\\\\carol\"",
        "user=ünïcode", "user=user42", "user=user4*", "user=*lus+si*", "user=\"<html>&amp;'\"", "user IN (admin, system)",
        "n=1*", "n=1.5", "groups=admins", "groups=g1 user=admin", "_raw=*RAW\\ ADMIN*", "user=admin OR host=h1", "NOT user=admin",
        "user=tab*", "user=*quoted*",
    ];

    [Theory]
    [MemberData(nameof(Searches))]
    public void Store_returns_what_the_engine_finds_in_memory(string search)
    {
        var events = Events();
        using var store = new DuckDbStore(_dir);
        store.Commit(events, []);
        var fromStore = Run(new SearchStore(store, CancellationToken.None), search);
        var inMemory = Run(new MemoryStore(events), search);
        Assert.Equal(inMemory, fromStore);
    }

    [Fact]
    public void A_selective_search_decodes_only_the_rows_that_contain_its_literal()
    {
        var events = Events();
        using var store = new DuckDbStore(_dir);
        store.Commit(events, []);
        var request = Request("user=user42");
        Assert.NotNull(LiteralPushdown.Clause(request.RequiredLiterals, v => "'" + v + "'"));
        var scanned = store.Scan(request).Count();
        // Of 42, the literal alone keeps 9 (user42, user420 and ſystem, kept as the literal has an s, three each);
        // the user field's keys (FieldKeys, ANDed with it) keep only the three whose user is user42.
        Assert.Equal(3, scanned);
        Assert.Equal(3, Run(new SearchStore(store, CancellationToken.None), "user=user42").Count);
    }

    [Theory]
    [InlineData("user=123")] // a number's display and its JSON may differ
    [InlineData("user=\"a\\\\b\"")] // JSON escapes the backslash
    [InlineData("user=ünïcode")] // case folding outside ASCII
    [InlineData("_time=abc")]
    public void Literals_that_could_miss_are_not_pushed(string search) =>
        Assert.Null(LiteralPushdown.Clause(Request(search).RequiredLiterals, v => "'" + v + "'"));

    private static ScanRequest Request(string search)
    {
        ScanRequest? seen = null;
        var source = new Capture(r => seen = r);
        var compiled = SplEngine.Compile(search, new SearchContext { Events = source });
        Assert.True(compiled.Success, search);
        _ = compiled.Search!.Run().ToList();
        return seen!;
    }

    private static List<string> Run(IStore store, string search)
    {
        var compiled = SplEngine.Compile("search " + search, new SearchContext { Events = store, DataModels = store });
        Assert.True(compiled.Success, search);
        return [.. compiled.Search!.Run().Select(r => ResultJson.ToJsonLine(r)).Order(StringComparer.Ordinal)];
    }

    private sealed class Capture(Action<ScanRequest> seen) : IEventSource
    {
        public bool AppliesFilters => false;

        public IEnumerable<Row> Scan(ScanRequest request)
        {
            seen(request);
            return [];
        }
    }
}
