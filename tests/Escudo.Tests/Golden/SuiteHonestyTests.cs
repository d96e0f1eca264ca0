using System.Xml.Linq;
using Escudo.Tests.Ingest.Evtx;
using Escudo.Tests.Support;

namespace Escudo.Tests.Golden;

/// <summary>
/// The checks that keep the suite measuring the engine: snapshots are not accepted under CI, the
/// EVTX differential test is not skipped under CI, and its value normaliser does not hide a value
/// rendered in decimal where Windows renders hex.
/// </summary>
public class SuiteHonestyTests
{
    [Fact]
    public void AcceptModeRewritesSnapshotsOnlyOutsideCi()
    {
        Assert.True(CiEnvironment.AcceptSnapshots("1", null));
        Assert.True(CiEnvironment.AcceptSnapshots("1", "false"));
        Assert.False(CiEnvironment.AcceptSnapshots(null, null));
        Assert.False(CiEnvironment.AcceptSnapshots("0", "true"));
        Assert.False(CiEnvironment.AcceptSnapshots(null, "true"));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("TRUE")]
    [InlineData("1")]
    public void AcceptModeUnderCiFailsLoudly(string ci)
    {
        var e = Assert.Throws<InvalidOperationException>(() => CiEnvironment.AcceptSnapshots("1", ci));
        Assert.Contains("ESCUDO_ACCEPT=1 under CI", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingReferenceToolSkipsOnlyOutsideCi()
    {
        Assert.NotNull(CiEnvironment.SkipReasonForMissingTool("evtxexport", null, "apt-get install -y libevtx-utils", null));
        Assert.Null(CiEnvironment.SkipReasonForMissingTool("evtxexport", null, "apt-get install -y libevtx-utils", "true"));
        Assert.Null(CiEnvironment.SkipReasonForMissingTool("evtxexport", "/usr/bin/evtxexport", "apt-get install -y libevtx-utils", null));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => CiEnvironment.RequireTool("evtxexport", null, "apt-get install -y libevtx-utils"));
    }

    [Fact]
    public void NormaliserKeepsHexApartFromDecimal()
    {
        // Padding and case are presentation...
        Assert.Equal(EvtxTestSupport.NormaliseValue("0x1f"), EvtxTestSupport.NormaliseValue("0x000000000000001F"));
        // ...the base is not.
        Assert.NotEqual(EvtxTestSupport.NormaliseValue("31"), EvtxTestSupport.NormaliseValue("0x1f"));
        Assert.NotEqual(EvtxTestSupport.NormaliseValue("0"), EvtxTestSupport.NormaliseValue("0x0"));
    }

    [Fact]
    public void HexInt32RenderedInDecimalFailsTheComparison()
    {
        // evtxexport prints a HexInt32 padded; Windows and Escudo print 0x1f. An Escudo that printed 31 must not agree.
        var reference = Flatten("""<Event><EventData><Data Name="Flags">0x0000001f</Data></EventData></Event>""");
        Assert.True(EvtxTestSupport.LinesAgree(reference, Flatten("""<Event><EventData><Data Name="Flags">0x1f</Data></EventData></Event>""")));
        Assert.False(EvtxTestSupport.LinesAgree(reference, Flatten("""<Event><EventData><Data Name="Flags">31</Data></EventData></Event>""")));
        Assert.False(EvtxTestSupport.LinesAgree(reference, Flatten("""<Event><EventData><Data Name="Flags">0x1e</Data></EventData></Event>""")));
    }

    [Fact]
    public void SizeTPrintedInDecimalByEvtxexportStillAgreesWithHex()
    {
        // evtxexport prints size_t in decimal where Windows and Escudo print hex: the one allowed difference, one way only.
        var reference = Flatten("""<Event><EventData><Data Name="Size">4096</Data></EventData></Event>""");
        Assert.True(EvtxTestSupport.LinesAgree(reference, Flatten("""<Event><EventData><Data Name="Size">0x1000</Data></EventData></Event>""")));
        Assert.False(EvtxTestSupport.LinesAgree(reference, Flatten("""<Event><EventData><Data Name="Size">0x1001</Data></EventData></Event>""")));
        Assert.False(EvtxTestSupport.LinesAgree(reference, Flatten("""<Event><EventData><Data Name="Other">0x1000</Data></EventData></Event>""")));
    }

    private static List<string> Flatten(string xml) => EvtxTestSupport.Flatten(XElement.Parse(xml));
}
