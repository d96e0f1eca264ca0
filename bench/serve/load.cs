// Loopback load test for `escudo serve`: sustained HEC ingestion and search latency while ingesting.
// Usage: dotnet run bench/serve/load.cs -- URL TOKEN [seconds=20] [writers=4] [batch=500]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

var url = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:8088");
var token = args.Length > 1 ? args[1] : "bench";
var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
var writers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 4;
var batch = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 500;

using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(120) };
long acked = 0, bytes = 0, requests = 0;
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var sw = Stopwatch.StartNew();

async Task Writer(int w)
{
    var rnd = new Random(w);
    var n = 0;
    while (!stop.IsCancellationRequested)
    {
        var sb = new StringBuilder();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        for (var i = 0; i < batch; i++)
        {
            // A Sysmon-like process creation event of ~400 bytes.
            sb.Append(CultureInfo.InvariantCulture, $"{{\"time\":{now},\"host\":\"wks-{rnd.Next(500)}\",\"index\":\"load\",\"sourcetype\":\"bench:json\",\"source\":\"bench\",\"event\":{{\"EventCode\":\"{1 + rnd.Next(12)}\",\"id\":\"w{w}-{n++}\",\"user\":\"user{rnd.Next(2000)}\",\"process_name\":\"proc{rnd.Next(300)}.exe\",\"CommandLine\":\"C:\\\\Windows\\\\System32\\\\proc.exe -arg {rnd.Next()} --flag value --other {rnd.Next()}\",\"dest_ip\":\"10.{rnd.Next(255)}.{rnd.Next(255)}.{rnd.Next(255)}\",\"parent\":\"explorer.exe\"}}}}\n");
        }

        var body = Encoding.UTF8.GetBytes(sb.ToString());
        using var req = new HttpRequestMessage(HttpMethod.Post, "/services/collector/event") { Content = new ByteArrayContent(body) };
        req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", token);
        try
        {
            using var resp = await client.SendAsync(req);
            if (resp.IsSuccessStatusCode)
            {
                Interlocked.Add(ref acked, batch);
                Interlocked.Add(ref bytes, body.Length);
                Interlocked.Increment(ref requests);
            }
        }
        catch (TaskCanceledException)
        {
            return;
        }
    }
}

async Task<double> Search(string spl, string earliest)
{
    var t = Stopwatch.StartNew();
    using var req = new HttpRequestMessage(HttpMethod.Post, "/services/search/jobs/export")
    {
        Content = new FormUrlEncodedContent([new("search", spl), new("earliest_time", earliest), new("output_mode", "json")]),
    };
    req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var resp = await client.SendAsync(req);
    await resp.Content.ReadAsStringAsync();
    return t.Elapsed.TotalMilliseconds;
}

var searchLatencies = new Dictionary<string, List<double>>
{
    ["index=load EventCode=1 user=user42 (last 1m)"] = [],
    ["index=load | stats count by EventCode (last 1m)"] = [],
};
async Task Searcher()
{
    while (!stop.IsCancellationRequested)
    {
        await Task.Delay(1000);
        searchLatencies["index=load EventCode=1 user=user42 (last 1m)"].Add(await Search("index=load EventCode=1 user=user42", "-1m"));
        searchLatencies["index=load | stats count by EventCode (last 1m)"].Add(await Search("index=load | stats count by EventCode", "-1m"));
    }
}

var tasks = Enumerable.Range(0, writers).Select(Writer).Append(Searcher()).ToArray();
await Task.WhenAll(tasks);
var elapsed = sw.Elapsed.TotalSeconds;
Console.WriteLine($"writers={writers} batch={batch} duration={elapsed:F1}s");
Console.WriteLine($"HEC acknowledged: {acked} events, {bytes / 1e6:F1} MB, {requests} requests");
Console.WriteLine($"HEC rate: {acked / elapsed:F0} events/s, {bytes / 1e6 / elapsed:F2} MB/s");
foreach (var (name, l) in searchLatencies)
{
    if (l.Count == 0)
    {
        continue;
    }

    l.Sort();
    Console.WriteLine($"search '{name}': n={l.Count} p50={l[l.Count / 2]:F0} ms p95={l[(int)(l.Count * 0.95)]:F0} ms max={l[^1]:F0} ms");
}
