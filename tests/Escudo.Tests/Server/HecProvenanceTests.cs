using System.Globalization;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Microsoft.Extensions.Time.Testing;

namespace Escudo.Tests.Server;

/// <summary>
/// Provenance in <c>escudo serve</c> (issue 15): a notable from a scheduled run over events that
/// came through HEC names, for each event behind it, the HEC source and host, the store's row id
/// and the event time, and that row id leads back to that very event in the store.
/// </summary>
public sealed class HecProvenanceTests
{
    [Fact]
    public async Task A_scheduled_notable_names_the_source_host_row_id_and_time_of_its_HEC_events()
    {
        var content = SchedulerTests.FoundingContent();
        // The fixture events are at 2024-03-04 10:00-10:01 UTC: the 11:00 run's window (-70m@m..-10m@m) holds them.
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2024-03-04T10:30:00Z", CultureInfo.InvariantCulture));
        var f = await ServeFixture.StartAsync(o => o.ContentDir = content, clock);
        try
        {
            foreach (var file in new[] { "regasm_sysmon.xml", "rms_sysmon.xml" })
            {
                var (s, b) = await f.SendAsync(ServeFixture.Post("/services/collector/raw", File.ReadAllText(TempDir.Fixture(file))));
                Assert.True(s == 200, b);
            }

            clock.Advance(TimeSpan.FromHours(1));
            await SchedulerTests.WaitCaughtUp(f, clock);

            // Every stored event by row id, as the store reads it back.
            var stored = f.Host.Store.Scan(new ScanRequest(TimeRange.All)).ToDictionary(r => r.Ref.Record);
            Assert.True(stored.Count >= 10, $"only {stored.Count} events stored");
            Assert.All(stored.Values, r => Assert.True(r.Ref.IsKnown && EventOrigins.Get(r.Ref.Origin)!.IsStoreRow, "a stored event without a store origin"));

            var notables = await f.SearchAsync("index=notable");
            Assert.Equal(5, notables.Count);
            foreach (var n in notables)
            {
                var name = n["search_name"].GetString();
                Assert.True(n.TryGetValue("escudo_evidence", out var evidence), $"{name}: no escudo_evidence");
                var refs = (evidence.ValueKind == JsonValueKind.Array ? evidence.EnumerateArray().Select(e => e.GetString()!) : [evidence.GetString()!])
                    .Select(j => JsonDocument.Parse(j).RootElement).ToList();
                var count = long.Parse(n["escudo_evidence_count"].GetString()!, CultureInfo.InvariantCulture);
                Assert.True(refs.Count >= 1 && refs.Count <= count, $"{name}: {refs.Count} references of {count} events");
                foreach (var r in refs)
                {
                    Assert.False(r.TryGetProperty("file", out _), $"{name}: a HEC event named as a file");
                    var rowId = long.Parse(r.GetProperty("row_id").GetString()!, CultureInfo.InvariantCulture);
                    Assert.True(stored.TryGetValue(rowId, out var ev), $"{name}: row {rowId} is not in the store");

                    // The reference names that event: its source, host, channel and event time.
                    Assert.Equal(ev!.Get(FieldTable.Source).ToDisplayString(), r.GetProperty("source").GetString());
                    Assert.Equal(ev.Get(FieldTable.Host).ToDisplayString(), r.GetProperty("host").GetString());
                    Assert.Equal(ev.Get("Channel").ToDisplayString(), r.GetProperty("channel").GetString());
                    Assert.Equal(Escudo.Core.Values.Value.FromNumber(ev.Time).ToDisplayString(), r.GetProperty("time").GetString());
                }

                // And the notable's result is made of those events: the regasm notable's dest_ip is theirs.
                if (n.TryGetValue("dest_ip", out var destIp))
                {
                    Assert.All(refs, r => Assert.Equal(destIp.GetString(), stored[long.Parse(r.GetProperty("row_id").GetString()!, CultureInfo.InvariantCulture)].Get("DestinationIp").ToDisplayString()));
                }

                var first = double.Parse(n["escudo_first_time"].GetString()!, CultureInfo.InvariantCulture);
                Assert.All(refs, r => Assert.True(double.Parse(r.GetProperty("time").GetString()!, CultureInfo.InvariantCulture) >= first));
            }
        }
        finally
        {
            await f.DisposeAsync();
            TempDir.Delete(content);
        }
    }

    [Fact]
    public Task Each_event_a_notable_references_is_found_by_its_row_id_and_is_the_event_sent() =>
        EvidenceLookupChecks.RunAsync(_ => { });
}
