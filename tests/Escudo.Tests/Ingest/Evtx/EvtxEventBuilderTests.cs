using System.Text;
using Escudo.Ingest.Evtx;
using Escudo.Ingest.Xml;

namespace Escudo.Tests.Ingest.Evtx;

/// <summary>
/// The WindowsEvent builder on hand-made binary XML: shapes the datasets do not have (CDATA,
/// Data with children, RenderingInfo, UserData) either give what the text parser gives or fall
/// back to it.
/// </summary>
public class EvtxEventBuilderTests
{
    /// <summary>Writes binary XML without templates: elements with inline names, string values, CDATA.</summary>
    private sealed class BinXml
    {
        private readonly List<byte> _b = [];

        public BinXml Open(string name, params (string Name, string Value)[] attributes)
        {
            _b.Add(attributes.Length > 0 ? (byte)0x41 : (byte)0x01);
            U32(0); // data size (not used by the renderer)
            Name(name);
            if (attributes.Length > 0)
            {
                U32(0); // attribute list size
                foreach (var (n, v) in attributes)
                {
                    _b.Add(0x06);
                    Name(n);
                    Text(v);
                }
            }

            _b.Add(0x02);
            return this;
        }

        public BinXml Empty(string name)
        {
            _b.Add(0x01);
            U32(0);
            Name(name);
            _b.Add(0x03);
            return this;
        }

        public BinXml Leaf(string name, string text) => Open(name).Text(text).Close();

        public BinXml Text(string text)
        {
            _b.Add(0x05);
            _b.Add(0x01);
            U16((ushort)text.Length);
            _b.AddRange(Encoding.Unicode.GetBytes(text));
            return this;
        }

        public BinXml CData(string text)
        {
            _b.Add(0x07);
            U16((ushort)text.Length);
            _b.AddRange(Encoding.Unicode.GetBytes(text));
            return this;
        }

        public BinXml Close()
        {
            _b.Add(0x04);
            return this;
        }

        public byte[] End()
        {
            _b.Add(0x00);
            return [.. _b];
        }

        private void Name(string name)
        {
            U32((uint)(_b.Count + 4)); // inline: the name follows its offset
            U32(0);
            U16(0);
            U16((ushort)name.Length);
            _b.AddRange(Encoding.Unicode.GetBytes(name));
            U16(0);
        }

        private void U16(ushort v) => _b.AddRange(BitConverter.GetBytes(v));

        private void U32(uint v) => _b.AddRange(BitConverter.GetBytes(v));
    }

    private static BinXml System(BinXml x) => x.Open("System")
        .Open("Provider", ("Name", "Test-Provider"), ("Guid", "{1}")).Close()
        .Leaf("EventID", "4624")
        .Open("TimeCreated", ("SystemTime", "2020-10-08T11:03:46.617920300Z")).Close()
        .Leaf("Channel", "Security")
        .Leaf("Computer", "host&amp;1")
        .Close();

    private static (string Xml, Escudo.Ingest.Windows.WindowsEvent? Direct) Render(byte[] data)
    {
        var renderer = new BinXmlRenderer { CollectElements = true };
        var xml = renderer.Render(data, 0, data.Length);
        return (xml, EvtxEventBuilder.TryBuild(xml, renderer.Spans, renderer.HasUnusualContent));
    }

    private static void AssertSame(Escudo.Ingest.Windows.WindowsEvent expected, Escudo.Ingest.Windows.WindowsEvent actual)
    {
        Assert.Equal(expected.Provider, actual.Provider);
        Assert.Equal(expected.ProviderGuid, actual.ProviderGuid);
        Assert.Equal(expected.EventId, actual.EventId);
        Assert.Equal(expected.SystemTime, actual.SystemTime);
        Assert.Equal(expected.Channel, actual.Channel);
        Assert.Equal(expected.Computer, actual.Computer);
        Assert.Equal(expected.EventDataXml, actual.EventDataXml);
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(expected.Data, actual.Data);
    }

    [Fact]
    public void EvtxBuilderMatchesTheParserForEventDataWithDataAndOtherLeaves()
    {
        var data = System(new BinXml().Open("Event"))
            .Open("EventData").Open("Data", ("Name", "TargetUserName")).Text("bob").Close()
            .Empty("Data")
            .Leaf("Binary", "00FF")
            .Open("Data", ("Name", "Cmd")).Text("a<b").Close()
            .Close()
            .Open("RenderingInfo", ("Culture", "en-US")).Leaf("Message", "An account logged on.").Close()
            .Close().End();
        var (xml, direct) = Render(data);
        Assert.NotNull(direct);
        var parsed = WindowsXmlParser.Parse(xml)!;
        AssertSame(parsed, direct);
        Assert.Equal("a&lt;b", direct.Data[^1].Value);
        Assert.Equal("An account logged on.", direct.Message);
    }

    [Fact]
    public void EvtxBuilderMatchesTheParserForUserDataLeaves()
    {
        var data = System(new BinXml().Open("Event"))
            .Open("UserData").Open("LogFileCleared").Leaf("SubjectUserName", "admin").Leaf("ns:Domain", "CORP").Empty("Nothing").Close().Close()
            .Close().End();
        var (xml, direct) = Render(data);
        Assert.NotNull(direct);
        AssertSame(WindowsXmlParser.Parse(xml)!, direct);
        Assert.Equal(["SubjectUserName", "Domain"], direct.Data.Select(d => d.Key));
    }

    [Fact]
    public void EvtxBuilderLeavesCDataAndNestedDataToTheParser()
    {
        var cdata = System(new BinXml().Open("Event"))
            .Open("EventData").Open("Data", ("Name", "Script")).CData("<x>").Close().Close()
            .Close().End();
        Assert.Null(Render(cdata).Direct);

        var nested = System(new BinXml().Open("Event"))
            .Open("EventData").Open("Data", ("Name", "Outer")).Leaf("Inner", "v").Close().Close()
            .Close().End();
        Assert.Null(Render(nested).Direct);

        var twoSystems = System(System(new BinXml().Open("Event"))).Close().End();
        Assert.Null(Render(twoSystems).Direct);
    }
}
