using Escudo.Detections.Content;
using Escudo.Detections.Running;
using Escudo.Tests.Support;

namespace Escudo.Tests.Content;

/// <summary>
/// The detection loader: every file under detections/ is a runnable detection or an invalid one
/// with a reason that says where and what (issue 14). Hostile files are made here, not committed.
/// </summary>
public class ContentLoadingTests
{
    private const string Valid = "name: Ok\nid: 00000000-0000-0000-0000-000000000001\ntype: TTP\nsearch: index=main\n";

    private static InvalidDetection LoadOnlyInvalid(string yaml)
    {
        using var c = TempContent.Empty();
        c.Write("detections/x.yml", yaml);
        var folder = ContentFolder.Load(c.Root);
        Assert.Empty(folder.Detections);
        return Assert.Single(folder.Invalid);
    }

    [Fact]
    public void AValidDetectionLoads()
    {
        using var c = TempContent.Empty();
        c.Write("detections/x.yml", Valid);
        var folder = ContentFolder.Load(c.Root);
        Assert.Equal("Ok", Assert.Single(folder.Detections).Name);
        Assert.Empty(folder.Invalid);
    }

    [Theory]
    [InlineData("name: Ok\nid: 1\nsearch: index=main\ntags:\n", "YAML error at line 4, column 1: a key has no value where the detection format requires one")]
    [InlineData("name: Ok\nid: 1\nsearch: index=main\nstatus:\n", "YAML error at line 4, column 1: a key has no value where the detection format requires one")]
    [InlineData("name: [a, b]\nid: 1\nsearch: x\n", "YAML error at line 1, column 7: a value has the wrong shape (for example a list where text is expected)")]
    [InlineData("name: Ok\nid: 1\nsearch: x\nversion: 99999999999999999999\n", "YAML error at line 4, column 10: Value was either too large or too small for a UInt64.")]
    [InlineData("- just\n- a list\n", "YAML error at line 1, column 1: a value has the wrong shape (for example a list where text is expected)")]
    [InlineData("", "the file is empty (or not a regular file): not read")]
    [InlineData("# only a comment\n", "the file is empty")]
    [InlineData("name: Ok\nid: 1\nsearch: '   '\n", "invalid detection: no `search` (an empty search would match every event)")]
    [InlineData("name: Ok\nid: 1\nsearch: x\ntags:\n  observable:\n  - ~\n", "invalid detection: `tags.observable` has an empty entry (item 1)")]
    [InlineData("name: Ok\nid: 1\nsearch: x\ntests:\n- name: t\n  attack_data:\n  - data: a\n  -\n", "invalid detection: `tests[1].attack_data` has an empty entry (item 2)")]
    [InlineData("name: Ok\nsearch: x\n", "not a detection: no `id`")]
    public void AFileThatIsNotARunnableDetectionIsInvalidWithWhereAndWhy(string yaml, string reason)
    {
        var invalid = LoadOnlyInvalid(yaml);
        Assert.Equal("detections/x.yml", invalid.File);
        Assert.Equal(reason, invalid.Reason);
    }

    [Fact]
    public void AFileOverTheSizeLimitIsNotRead()
    {
        var invalid = LoadOnlyInvalid(Valid + "description: '" + new string('x', (int)ContentYaml.MaxFileBytes) + "'\n");
        Assert.StartsWith("file is 1,048,", invalid.Reason, StringComparison.Ordinal);
        Assert.EndsWith("over the 1,048,576-byte limit for a content file: not read", invalid.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedYamlIsAnErrorNotACrash()
    {
        var invalid = LoadOnlyInvalid(Valid + "references: " + new string('[', 100_000) + "\n");
        Assert.StartsWith("YAML error at line ", invalid.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BinaryGarbageIsAnError()
    {
        var bytes = new byte[4096];
        new Random(14).NextBytes(bytes);
        using var c = TempContent.Empty();
        Directory.CreateDirectory(c.Detections);
        File.WriteAllBytes(Path.Combine(c.Detections, "x.yml"), bytes);
        var folder = ContentFolder.Load(c.Root);
        Assert.Empty(folder.Detections);
        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(folder.Invalid).Reason));
    }

    [Fact]
    public void AnInvalidFileKeepsTheNameItHasForSelection()
    {
        var invalid = LoadOnlyInvalid("name: Has A Name\nid: 7\ntype: Anomaly\nstatus: experimental\n");
        Assert.Equal(("Has A Name", "7", "Anomaly", true), (invalid.Name, invalid.Id, invalid.Type, invalid.IsExperimental));
    }

    [Fact]
    public void ADetectionWithoutSearchBuiltInCodeNeverRuns()
    {
        // The loader refuses it; the engine refuses it too, for detections that do not come from a file.
        using var c = TempContent.Empty();
        c.Write("detections/x.yml", Valid);
        var engine = new DetectionEngine(ContentFolder.Load(c.Root));
        var d = new Detection { Name = "Empty", Id = "1", Search = " " };
        Assert.Equal("invalid detection: no `search` (an empty search would match every event)", engine.Check(d));
        var run = engine.Run(d, new Escudo.Detections.Store.MemoryStore([new Escudo.Core.Events.Row(1)]), 0);
        Assert.False(run.Fired);
        Assert.Equal(engine.Check(d), run.Error);
    }

    [Fact]
    public void AMacroFileThatDoesNotLoadIsAProblemWithItsReason()
    {
        using var c = TempContent.Empty();
        c.Write("detections/x.yml", Valid);
        var macro = c.Write("macros/bad.yml", "name: bad\ndefinition: \"unterminated\n");
        var folder = ContentFolder.Load(c.Root);
        var (file, reason) = Assert.Single(folder.Problems);
        Assert.Equal(macro, file);
        Assert.StartsWith("YAML error at line 2, column 13:", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LinkedFoldersThatLoopAreReadOnce()
    {
        using var c = TempContent.Empty();
        c.Write("detections/a/x.yml", Valid);
        Directory.CreateSymbolicLink(Path.Combine(c.Detections, "a", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(c.Detections, "a", "again"), "../a");
        Directory.CreateSymbolicLink(Path.Combine(c.Detections, "dangling"), "no-such-folder");
        Directory.CreateSymbolicLink(Path.Combine(c.Detections, "l1"), "l2");
        Directory.CreateSymbolicLink(Path.Combine(c.Detections, "l2"), "l1");
        var folder = ContentFolder.Load(c.Root);
        Assert.Equal("detections/a/x.yml", Assert.Single(folder.Detections).File);
        Assert.Empty(folder.Invalid);
    }

    [Fact]
    public void ALinkedFolderOutsideIsFollowed()
    {
        using var outside = TempContent.Empty();
        outside.Write("endpoint/x.yml", Valid);
        using var c = TempContent.Empty();
        Directory.CreateDirectory(c.Detections);
        Directory.CreateSymbolicLink(Path.Combine(c.Detections, "linked"), outside.Root);
        var folder = ContentFolder.Load(c.Root);
        Assert.Equal("detections/linked/endpoint/x.yml", Assert.Single(folder.Detections).File);
    }

    [Fact]
    public void ATestDatasetUrlCannotReachOutsideTheDatasetsFolder()
    {
        using var datasets = TempContent.Empty();
        datasets.Write("escudo/x/sysmon.log", "<Event/>\n");
        using var c = TempContent.Empty();
        c.Write("detections/x.yml", Valid);
        var runner = new Escudo.Detections.Testing.DetectionTestRunner(ContentFolder.Load(c.Root), datasets.Root);
        Assert.Equal(Path.Combine(datasets.Root, "escudo", "x", "sysmon.log"), runner.LocalPath("https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/escudo/x/sysmon.log"));
        Assert.Null(runner.LocalPath("https://example.com/datasets/../../../../etc/passwd"));
        Assert.Null(runner.LocalPath("https://example.com/datasets/"));
        Assert.Null(runner.LocalPath("/etc/passwd"));
    }
}
