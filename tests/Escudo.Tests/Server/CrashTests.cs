using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Escudo.Tests.Server;

/// <summary>
/// kill -9 while ingesting at full speed: after each restart every event HEC acknowledged is
/// there exactly once (unacknowledged ones may or may not be, but never twice).
/// </summary>
public sealed class CrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Acknowledged_events_survive_sigkill_exactly_once()
    {
        var data = TempDir.Create("serve-crash");
        var acked = new ConcurrentDictionary<string, bool>();
        var sent = new ConcurrentDictionary<string, bool>();
        try
        {
            for (var cycle = 0; cycle < 3; cycle++)
            {
                using var child = StartChild(data, out var address);
                using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
                Verify(await ServeFixture.SearchAsync(client, "index=crash | fields id"), acked, sent);

                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => Ingest(client, $"c{cycle}w{w}", acked, sent, stop.Token))).ToArray();
                // Kill while ingestion is in full flow: some time after this cycle's first
                // acknowledgement (a loaded machine may take a while to start the server).
                var before = acked.Count;
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (acked.Count == before && waited.Elapsed < TimeSpan.FromSeconds(60) && writers.All(w => !w.IsCompleted))
                {
                    await Task.Delay(20);
                }

                await Task.Delay(400 + (cycle * 250));
                child.Kill(); // SIGKILL
                await child.WaitForExitAsync();
                await stop.CancelAsync();
                await Task.WhenAll(writers);
                Assert.True(acked.Count > 0, "nothing was acknowledged before the kill");
                output.WriteLine($"cycle {cycle}: killed with {acked.Count} acknowledged of {sent.Count} sent so far");
            }

            using var last = StartChild(data, out var lastAddress);
            using var lastClient = new HttpClient { BaseAddress = lastAddress, Timeout = TimeSpan.FromSeconds(30) };
            var final = await ServeFixture.SearchAsync(lastClient, "index=crash | fields id");
            Verify(final, acked, sent);
            output.WriteLine($"after the last restart: {final.Count} stored, {acked.Count} acknowledged, all present exactly once");
            last.Kill();
            await last.WaitForExitAsync();
        }
        finally
        {
            TempDir.Delete(data);
        }
    }

    private static void Verify(List<Dictionary<string, System.Text.Json.JsonElement>> rows, ConcurrentDictionary<string, bool> acked, ConcurrentDictionary<string, bool> sent)
    {
        var seen = new Dictionary<string, int>();
        foreach (var r in rows)
        {
            var id = r["id"].GetString()!;
            seen[id] = seen.GetValueOrDefault(id) + 1;
        }

        Assert.Empty(seen.Where(kv => kv.Value > 1).Select(kv => kv.Key).Take(5));
        Assert.Empty(acked.Keys.Where(id => !seen.ContainsKey(id)).Take(5));
        Assert.Empty(seen.Keys.Where(id => !sent.ContainsKey(id)).Take(5));
    }

    private static async Task Ingest(HttpClient client, string prefix, ConcurrentDictionary<string, bool> acked, ConcurrentDictionary<string, bool> sent, CancellationToken stop)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var ids = new List<string>();
            var body = new StringBuilder();
            for (var i = 0; i < 200; i++)
            {
                var id = $"{prefix}-{n++}";
                ids.Add(id);
                sent[id] = true;
                body.Append("{\"index\":\"crash\",\"sourcetype\":\"crash:test\",\"event\":{\"id\":\"").Append(id).Append("\",\"payload\":\"lorem ipsum dolor sit amet\"}}\n");
            }

            using var req = new HttpRequestMessage(HttpMethod.Post, "/services/collector/event") { Content = new StringContent(body.ToString()) };
            req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
            try
            {
                using var resp = await client.SendAsync(req, stop);
                if ((int)resp.StatusCode == 200 && (await resp.Content.ReadAsStringAsync(stop)).Contains("\"Success\"", StringComparison.Ordinal))
                {
                    foreach (var id in ids)
                    {
                        acked[id] = true;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                return; // the server is gone
            }
        }
    }

    private static Process StartChild(string data, out Uri address)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "escudo.dll"));
        foreach (var a in new[] { "serve", "--data", data, "--listen", "127.0.0.1:0", "--hec-token", ServeFixture.Token, "--no-scheduler" })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        var readLine = p.StandardOutput.ReadLineAsync();
        if (!readLine.Wait(TimeSpan.FromSeconds(30)) || readLine.Result is not { } line)
        {
            p.Kill();
            throw new InvalidOperationException("escudo serve did not start: " + p.StandardError.ReadToEnd());
        }

        var at = line.IndexOf("http://", StringComparison.Ordinal);
        address = new Uri(line[at..line.IndexOf(' ', at)]);
        _ = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        return p;
    }
}
