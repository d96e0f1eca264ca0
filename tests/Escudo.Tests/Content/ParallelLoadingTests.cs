using System.Text.Json;
using Escudo.Detections.Content;
using Escudo.Tests.Support;

namespace Escudo.Tests.Content;

/// <summary>
/// <see cref="ContentFolder.Load"/> reads detection files on every core. It must give what reading
/// them one by one in file order gives: the same detections, every property, in the same order,
/// and the same invalid files with the same reasons, over all of ESCU and over a folder of
/// hostile files made here.
/// </summary>
public class ParallelLoadingTests
{
    [Fact]
    public void EscuLoadsAsReadingEachFileInTurnDoes()
    {
        var root = SharedData.Require("escu");
        var folder = ContentFolder.Load(root);
        Assert.True(folder.Detections.Count > 1_000, $"{folder.Detections.Count} detections");
        AssertSameAsOneByOne(root, folder);

        // Twice: the order does not depend on which core finished first.
        AssertSameAsOneByOne(root, ContentFolder.Load(root));
    }

    [Fact]
    public void ValidAndInvalidFilesMixedKeepTheirOrderAndReasons()
    {
        using var c = TempContent.Empty();
        var random = new Random(17);
        for (var i = 0; i < 400; i++)
        {
            var name = $"detections/{random.Next(10)}/d{i:D4}.yml";
            c.Write(name, random.Next(4) switch
            {
                0 => $"name: D{i}\nid: 00000000-0000-0000-0000-{i:D12}\nsearch: index=main EventCode={i}\n",
                1 => $"name: D{i}\nid: x{i}\n", // no search: invalid
                2 => "{ not: [yaml",
                _ => $"name: D{i}\nid: y{i}\ntype: TTP\nsearch: '| tstats count from datamodel=Endpoint.Processes by Processes.dest | where count > {i}'\n",
            });
        }

        var folder = ContentFolder.Load(c.Root);
        Assert.NotEmpty(folder.Detections);
        Assert.NotEmpty(folder.Invalid);
        AssertSameAsOneByOne(c.Root, folder);
    }

    private static void AssertSameAsOneByOne(string root, ContentFolder folder)
    {
        var detections = new List<string>();
        var invalid = new List<string>();
        foreach (var file in ContentFolder.YamlFiles(Path.Combine(root, "detections")))
        {
            var d = ContentFolder.ReadDetection(file, Path.GetRelativePath(root, file).Replace('\\', '/'), out var why);
            if (d is not null)
            {
                detections.Add(JsonSerializer.Serialize(d));
            }
            else
            {
                invalid.Add(JsonSerializer.Serialize(why));
            }
        }

        Assert.Equal(detections, folder.Detections.Select(d => JsonSerializer.Serialize(d)));
        Assert.Equal(invalid, folder.Invalid.Select(i => JsonSerializer.Serialize(i)));
    }
}
