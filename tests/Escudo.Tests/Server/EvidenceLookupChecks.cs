using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Escudo.Server;
using Microsoft.Extensions.Time.Testing;

namespace Escudo.Tests.Server;

/// <summary>
/// One test body for every store (issues 15 and 19): the founding scenarios go in through HEC, each
/// founding detection is run now, and for every notable each event its <c>escudo_evidence</c> names
/// is fetched by its row id from <c>/escudo/events/{row_id}</c> and must be the very event that was
/// sent: its <c>_raw</c> one of the lines posted, verbatim, its time that line's TimeCreated, its
/// source and host those of the reference, and (for the regasm notable) its DestinationIp the
/// notable's <c>dest_ip</c>.
/// </summary>
internal static partial class EvidenceLookupChecks
{
    private static readonly string[] Files = ["regasm_sysmon.xml", "rms_sysmon.xml"];

    /// <summary>Starts serve (<paramref name="configure"/> picks the store) with its clock after the fixtures' events, and checks every reference.</summary>
    public static async Task RunAsync(Action<ServeOptions> configure)
    {
        var content = SchedulerTests.FoundingContent();
        // The fixture events are at 2024-03-04 10:00-10:01 UTC: a run at 11:00:30 (-70m@m..-10m@m) holds them.
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2024-03-04T11:00:30Z", CultureInfo.InvariantCulture));
        var f = await ServeFixture.StartAsync(o =>
        {
            o.ContentDir = content;
            configure(o);
        }, clock);
        try
        {
            var sent = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in Files)
            {
                var text = File.ReadAllText(TempDir.Fixture(file));
                sent.UnionWith(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                var (s, b) = await f.SendAsync(ServeFixture.Post("/services/collector/raw", text));
                Assert.True(s == 200, b);
            }

            var scheduler = f.Host.Scheduler!;
            foreach (var d in scheduler.Detections)
            {
                var run = await scheduler.RunNowAsync(d);
                Assert.True(run.Error is null, $"{d.Name}: {run.Error}");
            }

            var notables = await f.SearchAsync("index=notable");
            Assert.Equal(5, notables.Count);
            var checkedRefs = 0;
            foreach (var n in notables)
            {
                checkedRefs += await CheckNotableAsync(f, n, sent);
            }

            Assert.True(checkedRefs >= notables.Count, $"only {checkedRefs} references checked for {notables.Count} notables");

            // A row id no event has is a 404 with a message, a malformed one a 400: never an empty success.
            Assert.Equal(404, (await GetAsync(f, "/escudo/events/" + long.MaxValue.ToString(CultureInfo.InvariantCulture))).Status);
            Assert.Equal(400, (await GetAsync(f, "/escudo/events/x1")).Status);
            Assert.Equal(400, (await GetAsync(f, "/escudo/events/1?time=soon")).Status);
        }
        finally
        {
            await f.DisposeAsync();
            TempDir.Delete(content);
        }
    }

    private static async Task<int> CheckNotableAsync(ServeFixture f, Dictionary<string, JsonElement> n, HashSet<string> sent)
    {
        var name = n["search_name"].GetString();
        Assert.True(n.TryGetValue("escudo_evidence", out var evidence), $"{name}: no escudo_evidence");
        var refs = (evidence.ValueKind == JsonValueKind.Array ? evidence.EnumerateArray().Select(e => e.GetString()!) : [evidence.GetString()!])
            .Select(j => JsonDocument.Parse(j).RootElement).ToList();
        var count = long.Parse(n["escudo_evidence_count"].GetString()!, CultureInfo.InvariantCulture);
        Assert.True(refs.Count >= 1 && refs.Count <= count, $"{name}: {refs.Count} references of {count} events");
        foreach (var r in refs)
        {
            var rowId = r.GetProperty("row_id").GetString()!;
            var time = r.GetProperty("time").GetString()!;
            var (status, body) = await GetAsync(f, $"/escudo/events/{rowId}?time={Uri.EscapeDataString(time)}");
            Assert.True(status == 200, $"{name}: row {rowId} at {time}: {status} {body}");
            using var doc = JsonDocument.Parse(body);
            Assert.Equal(rowId, doc.RootElement.GetProperty("row_id").GetString());
            var events = doc.RootElement.GetProperty("events");
            Assert.Equal(1, events.GetArrayLength());
            var ev = events[0];

            // The event behind the hit is one of the lines sent, unchanged, with that line's own time.
            var raw = ev.GetProperty("_raw").GetString()!;
            Assert.True(sent.Contains(raw), $"{name}: row {rowId} is not an event that was sent: {raw}");
            var created = DateTimeOffset.Parse(TimeCreated().Match(raw).Groups[1].Value, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() / 1000.0;
            var stored = double.Parse(ev.GetProperty("_time").GetString()!, CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(stored - created) < 0.001, $"{name}: row {rowId} has _time {stored}, its line says {created}");
            Assert.Equal(time, ev.GetProperty("_time").GetString());

            // The reference names that event's source, host and channel.
            Assert.Equal(r.GetProperty("source").GetString(), ev.GetProperty("source").GetString());
            Assert.Equal(r.GetProperty("host").GetString(), ev.GetProperty("host").GetString());
            Assert.Equal(r.GetProperty("channel").GetString(), ev.GetProperty("Channel").GetString());
            if (n.TryGetValue("dest_ip", out var destIp))
            {
                Assert.Equal(destIp.GetString(), ev.GetProperty("DestinationIp").GetString());
            }
        }

        return refs.Count;
    }

    private static async Task<(int Status, string Body)> GetAsync(ServeFixture f, string path)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, path);
        req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
        return await f.SendAsync(req);
    }

    [GeneratedRegex("<TimeCreated SystemTime='([^']+)'")]
    private static partial Regex TimeCreated();
}
