using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Server.Storage;
using Escudo.Server.Storage.ClickHouse;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// The PREWHERE key guard (ClickHouseSql.KeyGuard.cs): a term over the key array that every event
/// the WHERE accepts passes, used only when no column narrows the scan. What ClickHouse answers
/// with it is checked against the engine by <see cref="ClickHousePushdownTests"/> (<c>user=bob OR
/// user=carol</c>, <c>CommandLine=b'c</c> are guarded) and over every ESCU detection by
/// <see cref="ClickHouseEscuDifferentialTests"/>; these check its shape.
/// </summary>
public sealed class ClickHouseKeyGuardTests
{
    private static ScanFieldMatch F(string field, params string[] patterns) => new(field, patterns);

    [Fact]
    public void AFieldWithoutAColumnNeedsItsKey() =>
        Assert.Equal("has(kv_key, 'eventType')", ClickHouseSql.KeyGuard(F("eventType", "user.session.start")));

    [Fact]
    public void AFieldWithAColumnNeedsItsColumnOrItsKey() =>
        Assert.Equal("(f_user != '' OR has(kv_key, 'user'))", ClickHouseSql.KeyGuard(F("user", "bob")));

    [Fact]
    public void AnOrNeedsOneAlternativesGuardAndAColumnTestIsItsOwnGuard()
    {
        var guard = ClickHouseSql.KeyGuard(new ScanOr([F("eventtype", "okta_log"), F("sourcetype", "OktaIM2:log")]));
        Assert.NotNull(guard);
        Assert.StartsWith("(has(kv_key, 'eventtype') OR (lower(sourcetype) = 'oktaim2:log'", guard, StringComparison.Ordinal);
        Assert.DoesNotContain("kv_value", guard, StringComparison.Ordinal);
    }

    [Fact]
    public void NotAndUntranslatableTermsGiveNoGuard()
    {
        Assert.Null(ClickHouseSql.KeyGuard(new ScanNot(F("eventType", "x"))));
        Assert.Null(ClickHouseSql.KeyGuard(new ScanOr([F("eventType", "x"), new ScanOpaque("keyword")])));
        Assert.Null(ClickHouseSql.KeyGuard(F("count", "3"))); // a number: the engine compares numerically, nothing is pushed
    }

    [Fact]
    public void AnAndKeepsTheGuardsItHas() =>
        Assert.Equal("(has(kv_key, 'a') AND has(kv_key, 'b'))", ClickHouseSql.KeyGuard(new ScanAnd([F("a", "x"), new ScanNot(F("c", "y")), F("b", "z")])));

    [Fact]
    public void ThePrewhereHasTheGuardOnlyWhenNoColumnNarrowsTheScan()
    {
        var okta = new ScanAnd([F("eventType", "system.push.send_factor_verify_push")]);
        Assert.Contains("has(kv_key, 'eventType')", ClickHouseSql.Prewhere(TimeRange.All, Pushdown.None, okta), StringComparison.Ordinal);

        // A column term reads less than kv_key for every row: the lambda runs only on the rows it lets through.
        var narrowed = new ScanAnd([F("sourcetype", "aws:cloudtrail"), F("eventName", "DeleteTrail")]);
        var pushdown = PushdownAnalyzer.FromCondition(narrowed);
        Assert.DoesNotContain("kv_key", ClickHouseSql.Prewhere(TimeRange.All, pushdown, narrowed), StringComparison.Ordinal);
    }
}
