using System.Diagnostics;
using Escudo.Tests.Support;

namespace Escudo.Tests.Architecture;

/// <summary>
/// bench/run.sh writes its figures through bench/splice_results.py, which replaces only the text
/// between the <c>bench:generated</c> markers of bench/RESULTS.md. These run the script on temp
/// copies: the hand-written sections must come out byte for byte, and bad markers must leave the
/// file untouched with a message.
/// </summary>
public sealed class BenchResultsSpliceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-splice-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Script => Path.Combine(SharedData.RepoRoot, "bench", "splice_results.py");

    private const string Start = "<!-- bench:generated:start main -->";
    private const string End = "<!-- bench:generated:end main -->";

    [Fact]
    public void Replaces_only_the_generated_block_and_keeps_the_hand_sections_byte_for_byte()
    {
        var before = "# Escudo benchmarks\n\nhand intro\n";
        var after = "\n## By hand\n\nfigures | with <!-- comments --> and ünïcode\n  indented\n\n## Another\nlast line, no newline";
        var results = Write("RESULTS.md", before + Start + "\nold figure 1\nold figure 2\n" + End + after);
        var generated = Write("gen.md", Start + "\n## Targets\nnew figure\n" + End + "\n");

        var (code, stderr) = RunSplice(results, generated);

        Assert.True(code == 0, stderr);
        Assert.Equal(before + Start + "\n## Targets\nnew figure\n" + End + after, File.ReadAllText(results));
    }

    [Fact]
    public void The_real_results_file_keeps_every_line_outside_its_block()
    {
        var real = File.ReadAllLines(Path.Combine(SharedData.RepoRoot, "bench", "RESULTS.md"));
        Assert.Single(real, l => l == Start);
        Assert.Single(real, l => l == End);
        var results = Path.Combine(_dir, "RESULTS.md");
        File.Copy(Path.Combine(SharedData.RepoRoot, "bench", "RESULTS.md"), results);
        var generated = Write("gen.md", Start + "\nregenerated\n" + End + "\n");

        var (code, stderr) = RunSplice(results, generated);

        Assert.True(code == 0, stderr);
        var spliced = File.ReadAllLines(results);
        Assert.Equal(Outside(real), Outside(spliced));
        Assert.Equal(["regenerated"], Inside(spliced));
    }

    [Fact]
    public void A_file_without_the_block_gets_it_at_the_end_and_loses_nothing()
    {
        var hand = "# Escudo benchmarks\n\n## By hand\nkept\n";
        var results = Write("RESULTS.md", hand);
        var generated = Write("gen.md", Start + "\nnew\n" + End + "\n");

        var (code, stderr) = RunSplice(results, generated);

        Assert.True(code == 0, stderr);
        Assert.Equal(hand + Start + "\nnew\n" + End + "\n", File.ReadAllText(results));
    }

    [Theory]
    [InlineData(Start + "\nno end\n", "never ended")]
    [InlineData(End + "\n", "without its start")]
    [InlineData(Start + "\na\n" + End + "\n" + Start + "\nb\n" + End + "\n", "appears twice")]
    public void Bad_markers_leave_the_file_untouched_with_a_message(string results, string message)
    {
        var path = Write("RESULTS.md", "# hand\n" + results);
        var generated = Write("gen.md", Start + "\nnew\n" + End + "\n");

        var (code, stderr) = RunSplice(path, generated);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Contains("left as it was", stderr, StringComparison.Ordinal);
        Assert.Equal("# hand\n" + results, File.ReadAllText(path));
        Assert.True(File.Exists(generated), "the new figures must stay where they were written");
    }

    [Fact]
    public void Generated_text_without_a_block_is_refused()
    {
        var path = Write("RESULTS.md", "# hand\n");
        var (code, stderr) = RunSplice(path, Write("gen.md", "figures without markers\n"));

        Assert.Equal(2, code);
        Assert.Contains("no generated block", stderr, StringComparison.Ordinal);
        Assert.Equal("# hand\n", File.ReadAllText(path));
    }

    private static List<string> Outside(string[] lines)
    {
        var s = Array.IndexOf(lines, Start);
        var e = Array.IndexOf(lines, End);
        return [.. lines[..s], .. lines[(e + 1)..]];
    }

    private static string[] Inside(string[] lines) => lines[(Array.IndexOf(lines, Start) + 1)..Array.IndexOf(lines, End)];

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Code, string Stderr) RunSplice(string results, string generated)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(results);
        start.ArgumentList.Add(generated);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("python3 is needed by bench/run.sh and this test, and was not found: " + e.Message, e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "splice_results.py did not finish in 60 s");
            return (process.ExitCode, stderr.Result);
        }
    }
}
