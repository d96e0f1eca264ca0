using System.Net.Http.Headers;
using System.Text.Json;
using Escudo.Cli.Commands;

namespace Escudo.Tests.Server;

/// <summary>Escudo's own endpoints name every field in snake_case (shared/CONTRACT.md), the scheduler ledger included.</summary>
public sealed class EscudoApiNamingTests
{
    [Theory]
    [InlineData("/escudo/runs")]
    [InlineData("/escudo/stats")]
    public async Task Every_property_name_is_snake_case(string path)
    {
        var content = DemoCommandHandler.ExtractContent();
        try
        {
            // With content the scheduler registers each detection in its ledger at start: /escudo/runs is not empty.
            await using var f = await ServeFixture.StartAsync(o => o.ContentDir = content);
            using var req = new HttpRequestMessage(HttpMethod.Get, path);
            req.Headers.Authorization = new AuthenticationHeaderValue("Splunk", ServeFixture.Token);
            var (status, body) = await f.SendAsync(req);
            Assert.Equal(200, status);
            using var doc = JsonDocument.Parse(body);
            var names = new List<string>();
            Collect(doc.RootElement, names);
            Assert.NotEmpty(names);
            Assert.All(names, n => Assert.Matches("^[a-z][a-z0-9_]*$", n));
            if (path == "/escudo/runs")
            {
                var first = doc.RootElement.GetProperty("runs")[0];
                Assert.Equal("registered", first.GetProperty("status").GetString());
                Assert.True(first.TryGetProperty("detection_id", out _));
                Assert.True(first.TryGetProperty("ran_at", out _));
            }
        }
        finally
        {
            TempDir.Delete(content);
        }
    }

    private static void Collect(JsonElement e, List<string> names)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                names.Add(p.Name);
                Collect(p.Value, names);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in e.EnumerateArray())
            {
                Collect(x, names);
            }
        }
    }
}
