using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Escudo.Cli.Commands;
using Escudo.Cli.Commands.Report;
using Escudo.Core.Events;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Detections.Running;

namespace Escudo.Tests.Cli;

/// <summary>
/// The report file itself: values from the logs are attacker-controlled, so none may end the
/// data block or inject markup, and every one comes back whole (up to the stated cut).
/// </summary>
public sealed partial class ReportPageTests
{
    [Fact]
    public void Hostile_values_stay_inside_the_data_block_and_come_back_as_written()
    {
        const string Hostile = "</script><script>alert(1)</script><!-- \u2028 & \" ' <img src=x onerror=alert(2)>";
        var detection = new Detection { Name = "Hostile </script> name", Id = "00000000-0000-0000-0000-000000000001", Description = "<b>bold</b>", Search = "search x" };
        var result = new Row();
        result.Set("dest", Hostile);
        result.Set("long", new string('a', ReportData.MaxFieldText + 10));
        var notable = AlertBuilder.Notable(detection, result, 1_700_000_000);
        var run = new DetectionRun(detection, [result], [notable], [], null, "search x | where dest=\"</script>\"");
        var failed = new DetectionRun(new Detection { Name = "<i>cannot</i>", File = "detections/x.yml" }, [], [], [], "command '</script>' is not supported", string.Empty);
        var summary = new HuntSummary(1, 2, 0, [run, failed], 0.5) { Hits = HuntTimeline.Hits([run]) };

        var path = Path.Combine(Path.GetTempPath(), "escudo-report-page-" + Guid.NewGuid().ToString("N") + ".html");
        try
        {
            ReportPage.Write(path, summary, DateTimeOffset.UnixEpoch);
            var html = File.ReadAllText(path);

            // Five script elements (the core and detail blocks, uPlot, the page's DOM helpers and its script): no value closes one early or opens another.
            Assert.Equal(5, ScriptClose().Matches(html).Count);
            Assert.DoesNotContain("<script>alert", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<i>cannot</i>", html, StringComparison.Ordinal); // the could-not-run table is HTML-encoded
            Assert.Contains("&lt;i&gt;cannot&lt;/i&gt;", html, StringComparison.Ordinal);

            // The blocks parse, and the values are the ones written: the hit's host in the core
            // block's string table, its result fields in the (gzip, base64) detail block.
            using var core = JsonDocument.Parse(Block(html, "id=\"report-data\">"));
            var data = core.RootElement;
            Assert.Equal(detection.Name, data.GetProperty("detections")[0].GetProperty("name").GetString());
            var strings = data.GetProperty("strings").EnumerateArray().Select(x => x.GetString()).ToList();
            Assert.Equal(Hostile, strings[data.GetProperty("hits").GetProperty("host")[0].GetInt32()]);
            using var detail = JsonDocument.Parse(Inflate(Block(html, "data-encoding=\"gzip+base64\">")));
            var hits = detail.RootElement.GetProperty("hits");
            var fields = data.GetProperty("fields").EnumerateArray().Select(f => f.GetString()).ToList();
            var names = hits.GetProperty("shapes")[hits.GetProperty("shape")[0].GetInt32()].EnumerateArray().Select(f => fields[f.GetInt32()]!).ToList();
            var values = detail.RootElement.GetProperty("strings").EnumerateArray().Select(x => x.GetString()).ToList();
            var byName = names.Select((n, k) => (n, k)).ToDictionary(x => x.n, x => values[hits.GetProperty("vals")[x.k].GetInt32()]);
            Assert.Equal(Hostile, byName["dest"]);
            Assert.Equal(new string('a', ReportData.MaxFieldText) + "…", byName["long"]); // cut, and marked as cut
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Block(string html, string opening)
    {
        var start = html.IndexOf(opening, StringComparison.Ordinal) + opening.Length;
        return html[start..html.IndexOf("</script>", start, StringComparison.Ordinal)];
    }

    private static string Inflate(string base64)
    {
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(base64.Trim())), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, System.Text.Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("</script", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptClose();
}
