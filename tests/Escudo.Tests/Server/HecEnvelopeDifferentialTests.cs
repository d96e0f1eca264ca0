using System.Globalization;
using System.Text.Json;

namespace Escudo.Tests.Server;

/// <summary>
/// HEC <c>/event</c> objects read straight from the body (<c>HecEnvelope</c>) and Windows XML events
/// stored as recipes (<c>XmlRowRecipe</c>) give, once stored and read back, exactly the rows the
/// plain path gives (a <c>JsonDocument</c> per event through <c>JsonEventReader.FromJson</c>, every
/// field stored): same fields, same order, same kinds and values, with and without a token's defaults.
/// </summary>
public sealed class HecEnvelopeDifferentialTests : IDisposable
{
    private readonly HecDifferentialSupport _hec = new();

    public void Dispose() => _hec.Dispose();

    /// <summary>A Security 4688 event: escaped text (&amp;amp;, &amp;quot;), a machine account, add-on lookups.</summary>
    public static string SecurityXml(string commandLine = "cmd.exe /c echo a &amp; echo &quot;b&quot;", string time = "<TimeCreated SystemTime='2023-11-14T22:13:20.0000000Z'/>") =>
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/>"
        + "<EventID>4688</EventID><Version>2</Version><Level>0</Level><Task>13312</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>" + time
        + "<EventRecordID>42</EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='8'/><Channel>Security</Channel><Computer>dc1.corp.local</Computer><Security/></System><EventData>"
        + "<Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='SubjectUserName'>DC1$</Data><Data Name='SubjectDomainName'>CORP</Data><Data Name='SubjectLogonId'>0x3e7</Data>"
        + "<Data Name='NewProcessId'>0x1a2c</Data><Data Name='NewProcessName'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='TokenElevationType'>%%1936</Data><Data Name='ProcessId'>0x2f0</Data>"
        + $"<Data Name='CommandLine'>{commandLine}</Data><Data Name='TargetUserSid'>S-1-0-0</Data><Data Name='ParentProcessName'>C:\\Windows\\explorer.exe</Data></EventData></Event>";

    private static string Sysmon(string user) =>
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"
        + "<TimeCreated SystemTime='2024-01-02T03:04:05.6789012Z'/><EventRecordID>7</EventRecordID><Correlation/><Execution ProcessID='2412' ThreadID='3000'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>wks-1.corp.local</Computer><Security UserID='S-1-5-18'/></System><EventData>"
        + "<Data Name='RuleName'>-</Data><Data Name='Image'>C:\\Windows\\System32\\whoami.exe</Data><Data Name='CommandLine'>whoami /all</Data>"
        + $"<Data Name='User'>{user}</Data><Data Name='ParentImage'>C:\\Windows\\explorer.exe</Data></EventData></Event>";

    private static string S(string text) => JsonSerializer.Serialize(text);

    /// <summary>Event objects: XML and text events with every metadata form, indexed fields and time forms; objects the envelope reader leaves to the plain path.</summary>
    public static TheoryData<string> Objects() => [.. ObjectList()];

    private static string[] ObjectList() =>
    [
        $"{{\"time\":1700000000.25,\"host\":\"wks-1\",\"sourcetype\":\"XmlWinEventLog\",\"source\":\"XmlWinEventLog:Security\",\"index\":\"main\",\"event\":{S(SecurityXml())}}}",
        $"{{\"event\":{S(SecurityXml())}}}",
        $"{{\"event\":{S(SecurityXml(time: string.Empty))}}}",
        $"{{\"event\":{S(Sysmon("CORP\\\\user42"))},\"time\":\"1700000001.5\",\"index\":\"Apps\"}}",
        $"{{\"event\":{S(Sysmon("x"))},\"time\":\"not a time\",\"host\":null,\"source\":{{\"a\":1}},\"sourcetype\":[1]}}",
        $"{{\"event\":{S(Sysmon("x"))},\"time\":17e8,\"host\":12.50,\"source\":true,\"sourcetype\":false,\"index\":\"Main\"}}",
        $"{{\"fields\":{{\"site\":\"lab\",\"EventCode\":\"99\",\"multi\":[\"a\",2,true,null],\"n\":5.0,\"flag\":true,\"none\":null,\"host\":\"from-fields\"}},\"event\":{S(Sysmon("CORP\\\\bob"))}}}",
        $"{{\"fields\":\"not an object\",\"extra\":{{\"ignored\":[1,2]}},\"event\":{S(Sysmon("y"))}}}",
        $"{{\"fields\":{{\"_raw\":\"overridden raw\"}},\"event\":{S(Sysmon("z"))}}}",
        $"{{\"ev\\u0065nt\":{S(Sysmon("escaped-name"))},\"h\\u006fst\":\"h\\u00e9\"}}",
        $"{{\"event\":{S(SecurityXml("powershell -enc &lt;x&gt; 'q' \u00fcn\u00efcode \u0131 \u017F"))},\"time\":1700000002}}",
        "{\"event\":\"a plain line of text\",\"time\":1700000003,\"host\":\"h2\"}",
        "{\"event\":\"<Event> but not Windows </Event>\",\"time\":1700000004,\"fields\":{\"k\":\"v\"}}",
        "{\"event\":{\"user\":\"u1\",\"n\":3,\"tags\":[\"a\",\"b\"]},\"time\":1700000005,\"sourcetype\":\"app:json\"}",
        "{\"event\":{\"EventID\":\"4624\",\"Channel\":\"Security\",\"TargetUserName\":\"alice\"},\"time\":1700000006}",
        "{\"event\":42,\"time\":1700000007}",
        $"{{\"event\":{S(Sysmon("dup"))},\"host\":\"first\",\"host\":\"second\",\"time\":1700000008}}",
        $"{{\"event\":{S(Sysmon("obj-field"))},\"fields\":{{\"o\":{{\"a\":1}}}},\"time\":1700000009}}",
        $"{{\"event\":{S(Sysmon("nested-array"))},\"fields\":{{\"o\":[[1],2]}},\"time\":1700000010}}",
    ];

    [Theory]
    [MemberData(nameof(Objects))]
    public async Task An_event_object_is_stored_and_read_back_as_the_plain_path_makes_it(string obj)
    {
        foreach (var token in new[] { HecDifferentialSupport.Plain, HecDifferentialSupport.WithDefaults })
        {
            var (status, answer) = await _hec.EventAsync(obj, token);
            Assert.Equal((200, "{\"text\":\"Success\",\"code\":0}"), (status, answer));
        }

        var stored = _hec.Stored();
        Assert.Equal(2, stored.Count);

        // A text event with no time of its own takes the clock's time on both paths (not the request's): not compared.
        var skipTime = !obj.Contains("\"time\"", StringComparison.Ordinal) && !obj.Contains("<Event xmlns", StringComparison.Ordinal);
        Assert.Equal(HecDifferentialSupport.Fields(HecDifferentialSupport.Legacy(obj, HecDifferentialSupport.Plain), skipTime), HecDifferentialSupport.Fields(stored[0], skipTime));
        Assert.Equal(HecDifferentialSupport.Fields(HecDifferentialSupport.Legacy(obj, HecDifferentialSupport.WithDefaults), skipTime), HecDifferentialSupport.Fields(stored[1], skipTime));
    }

    [Fact]
    public async Task Many_objects_in_one_body_are_stored_in_order_as_the_plain_path_makes_them()
    {
        var objects = ObjectList();
        var (status, _) = await _hec.EventAsync(string.Join("\n", objects), HecDifferentialSupport.WithDefaults);
        Assert.Equal(200, status);
        var stored = _hec.Stored();
        Assert.Equal(objects.Length, stored.Count);
        for (var i = 0; i < objects.Length; i++)
        {
            var skipTime = !objects[i].Contains("\"time\"", StringComparison.Ordinal) && !objects[i].Contains("<Event xmlns", StringComparison.Ordinal);
            Assert.Equal(HecDifferentialSupport.Fields(HecDifferentialSupport.Legacy(objects[i], HecDifferentialSupport.WithDefaults), skipTime), HecDifferentialSupport.Fields(stored[i], skipTime));
        }
    }

    [Theory]
    [InlineData("{\"time\":1,\"host\":\"h\"}", 400, "{\"text\":\"Event field is required\",\"code\":12,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":null}", 400, "{\"text\":\"Event field cannot be blank\",\"code\":13,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":\"ok\"}{\"event\":\"\"}", 400, "{\"text\":\"Event field cannot be blank\",\"code\":13,\"invalid-event-number\":1}")]
    [InlineData("{\"event\":{}}", 400, "{\"text\":\"Event field cannot be blank\",\"code\":13,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":\"x\",\"time\":1e400}", 400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":\"x\",\"host\":\"a\" \"b\"}", 400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":\"x\"}{\"event\":\"y\",", 400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":1}")]
    public async Task A_refused_object_is_answered_as_before_and_nothing_is_stored(string body, int status, string answer)
    {
        Assert.Equal((status, answer), await _hec.EventAsync(body, HecDifferentialSupport.Plain));
        Assert.Empty(_hec.Stored());
    }

    [Theory]
    [InlineData("{\"host\":\"\\ud800\"}", 400, "{\"text\":\"Event field is required\",\"code\":12,\"invalid-event-number\":0}")]
    [InlineData("{\"event\":\"\\ud800\"}", 400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":0}")]
    public async Task A_value_that_cannot_be_read_as_text_is_answered_as_before(string body, int status, string answer)
    {
        // A lone surrogate escape: System.Text.Json refuses the string only when it is read, so a
        // property the plain path never reads (host, when there is no event) must not be read either.
        Assert.Equal((status, answer), await _hec.EventAsync(body, HecDifferentialSupport.Plain));
        Assert.Empty(_hec.Stored());
    }

    [Fact]
    public async Task Raw_lines_of_windows_xml_are_stored_and_read_back_as_mapped()
    {
        var lines = new[] { SecurityXml(), Sysmon("CORP\\carol"), SecurityXml(time: string.Empty), "not xml at all" };
        var (status, _) = await _hec.RawAsync(string.Join("\n", lines), HecDifferentialSupport.Plain, "?sourcetype=XmlWinEventLog&host=raw-host&index=Raws");
        Assert.Equal(200, status);
        var stored = _hec.Stored();
        Assert.Equal(lines.Length, stored.Count);
        for (var i = 0; i < 3; i++)
        {
            var expected = Escudo.Ingest.Windows.WindowsEventMapper.ToRow(Escudo.Ingest.Xml.WindowsXmlParser.Parse(lines[i])!, lines[i], null, "XmlWinEventLog", "raw-host", "raws");
            if (double.IsNaN(expected.Time))
            {
                expected.Set(Escudo.Core.Events.FieldTable.Time, Escudo.Core.Values.Value.FromNumber(HecDifferentialSupport.Now));
            }

            Assert.Equal(HecDifferentialSupport.Fields(expected), HecDifferentialSupport.Fields(stored[i]));
        }

        Assert.Equal("not xml at all", stored[3].Get(Escudo.Core.Events.FieldTable.Raw).FirstString());
        Assert.Equal(HecDifferentialSupport.Now.ToString(CultureInfo.InvariantCulture), stored[3].Get(Escudo.Core.Events.FieldTable.Time).ToDisplayString());
    }
}
