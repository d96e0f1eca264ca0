using Escudo.Ingest.Xml;

namespace Escudo.Tests.Ingest.Text;

/// <summary>
/// The XML parser hands out one kept string for a Data name or a recurring System value seen
/// before (instead of a new one per event): the names and values must still be exactly the text
/// written, including once its bounded table of kept strings is full.
/// </summary>
public sealed class WindowsXmlParserNameTests
{
    private static string Event(int i, string dataName, string level) =>
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='P'/>"
        + $"<EventID>{4000 + (i % 7)}</EventID><Version>{i % 3}</Version><Level>{level}</Level><Task>{i}</Task><Opcode>0</Opcode><Keywords>0x80{i % 5}</Keywords>"
        + $"<EventRecordID>{i}</EventRecordID><Channel>Chan/{i % 4}</Channel><Computer>c{i}</Computer></System><EventData>"
        + $"<Data Name='{dataName}'>v{i}</Data><Data Name=\"Same\">s</Data><Data>unnamed</Data><Data Name='Empty'/></EventData></Event>";

    [Fact]
    public void Data_names_and_system_values_are_the_text_written_before_and_after_the_kept_table_fills()
    {
        // 6,000 distinct names (the kept table holds 4,096), each name seen twice, with odd characters.
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 6_000; i++)
            {
                var name = $"N\u00e4me_{i}-x{(i % 2 == 0 ? "\u00df" : ".")}";
                var level = i % 11 == 0 ? "&lt;4&gt;" : (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var ev = WindowsXmlParser.Parse(Event(i, name, level))!;
                Assert.Equal(
                    [new(name, $"v{i}"), new("Same", "s"), new(null, "unnamed"), new("Empty", string.Empty)],
                    ev.Data);
                Assert.Equal((4000 + (i % 7)).ToString(System.Globalization.CultureInfo.InvariantCulture), ev.EventId);
                Assert.Equal((i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture), ev.Version);
                Assert.Equal(level, ev.Level);
                Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), ev.Task);
                Assert.Equal($"0x80{i % 5}", ev.Keywords);
                Assert.Equal($"Chan/{i % 4}", ev.Channel);
                Assert.Equal($"c{i}", ev.Computer);
            }
        }
    }

    [Fact]
    public void UserData_leaf_names_lose_their_prefix_and_keep_their_text()
    {
        var ev = WindowsXmlParser.Parse("<Event><System><EventID>1102</EventID></System><UserData><ns:LogFileCleared xmlns:ns='x'><ns:SubjectUserName>alice</ns:SubjectUserName><Other>o</Other><ns:SubjectUserName>bob</ns:SubjectUserName></ns:LogFileCleared></UserData></Event>")!;
        Assert.Equal([new("SubjectUserName", "alice"), new("Other", "o"), new("SubjectUserName", "bob")], ev.Data);
    }
}
