using Escudo.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Escudo.Tests.Architecture;

/// <summary>
/// Keeps the code readable in pieces (CONTRIBUTING.md, issue 17): no source file over
/// <see cref="MaxFileLines"/> lines but the data tables listed below, and no method over
/// <see cref="MaxMethodLines"/> lines in any Escudo project (src, tests, bench). Methods are
/// read from the source with Roslyn's parser: a method, constructor, operator, accessor or local
/// function counts from its first line (attributes included, comments before it not) to its
/// closing brace; field and property initializers (tables) are data, not methods.
/// </summary>
public class SizeTests
{
    private const int MaxFileLines = 600;
    private const int MaxMethodLines = 100;

    /// <summary>
    /// Files that are data tables and may be longer than <see cref="MaxFileLines"/>, by path from the
    /// repository root. Empty since issue 17 split the last ones (WindowsFieldRules into its rule
    /// table, WindowsLookupTables and WindowsCalculatedFields). A table added here must be one:
    /// rows of data with their evidence, not code.
    /// </summary>
    private static readonly string[] DataTableFiles = [];

    /// <summary>What counts as source: code and scripts, not data, documents or golden text.</summary>
    private static readonly string[] SourceExtensions = [".cs", ".js", ".mjs", ".ts", ".sh", ".py", ".css", ".html", ".ps1"];

    /// <summary>Folders never read: build output, installed packages, version control.</summary>
    private static readonly string[] SkippedFolders = ["bin", "obj", "node_modules", ".git", "TestResults"];

    /// <summary>The folders of the Escudo projects: the product, its tests and its benchmarks, and CI's scripts.</summary>
    private static readonly string[] ProjectFolders = ["src", "tests", "bench", ".ci"];

    [Fact]
    public void No_source_file_is_over_600_lines_but_the_listed_data_tables()
    {
        var files = SourceFiles(SourceExtensions).ToList();
        Assert.True(files.Count > 100, $"only {files.Count} source files found under {SharedData.RepoRoot}: is it the repository?");
        var tooLong = files
            .Select(f => (File: f, Lines: LineCount(File.ReadAllText(f))))
            .Where(f => f.Lines > MaxFileLines && !DataTableFiles.Contains(Relative(f.File)))
            .Select(f => $"{Relative(f.File)}: {f.Lines} lines")
            .ToList();
        Assert.True(tooLong.Count == 0, $"{tooLong.Count} source file(s) over {MaxFileLines} lines (split by job, or list a pure data table in DataTableFiles):\n" + string.Join("\n", tooLong));
    }

    [Fact]
    public void The_listed_data_tables_exist()
    {
        var missing = DataTableFiles.Where(f => !File.Exists(Path.Combine(SharedData.RepoRoot, f))).ToList();
        Assert.True(missing.Count == 0, "DataTableFiles names files that are not there: " + string.Join(", ", missing));
    }

    [Fact]
    public void No_method_is_over_100_lines()
    {
        var files = SourceFiles([".cs"]).ToList();
        var tooLong = files
            .SelectMany(f => Methods(File.ReadAllText(f)).Select(m => (File: f, m.Name, m.Line, m.Lines)))
            .Where(m => m.Lines > MaxMethodLines)
            .Select(m => $"{Relative(m.File)}:{m.Line} {m.Name}: {m.Lines} lines")
            .ToList();
        Assert.True(tooLong.Count == 0, $"{tooLong.Count} method(s) over {MaxMethodLines} lines (split by job):\n" + string.Join("\n", tooLong));
    }

    [Fact]
    public void The_method_measure_sees_every_kind_of_method_and_counts_its_lines()
    {
        // Generated here: a method of 101 lines, a constructor, an accessor, a local function and
        // an operator, so the check is shown able to fail on each, and a long table that is data.
        var body = string.Concat(Enumerable.Repeat("        x++;\n", 98));
        var source = $$"""
            class C
            {
                static readonly int[] Table = [
            {{string.Concat(Enumerable.Repeat("        1,\n", 150))}}    ];

                /// <summary>A comment is not the method.</summary>
                void Long(int x)
                {
            {{body}}    }

                C() { }

                int P { get { return 1; } }

                static C operator +(C a, C b) => a;

                void Outer()
                {
                    void Inner()
                    {
                    }
                }
            }
            """;
        var methods = Methods(source).ToDictionary(m => m.Name, m => m.Lines);
        Assert.Equal(101, methods["C.Long"]);
        Assert.Equal(1, methods["C.C"]);
        Assert.Equal(1, methods["C.get_P"]);
        Assert.Equal(1, methods["C.operator +"]);
        Assert.Equal(3, methods["C.Outer.Inner"]);
        Assert.Equal(6, methods["C.Outer"]);
        Assert.DoesNotContain(methods, m => m.Value > 101);
    }

    [Fact]
    public void The_line_count_counts_a_last_line_without_a_newline()
    {
        Assert.Equal(0, LineCount(string.Empty));
        Assert.Equal(1, LineCount("a"));
        Assert.Equal(2, LineCount("a\nb\n"));
        Assert.Equal(2, LineCount("a\r\nb"));
    }

    /// <summary>Each method-like declaration of the source with its name, first line and line count.</summary>
    internal static IEnumerable<(string Name, int Line, int Lines)> Methods(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview)).GetRoot();
        foreach (var node in root.DescendantNodes())
        {
            if (NameOf(node) is not { } name)
            {
                continue;
            }

            var span = node.GetLocation().GetLineSpan();
            yield return (QualifiedName(node, name), span.StartLinePosition.Line + 1, span.EndLinePosition.Line - span.StartLinePosition.Line + 1);
        }
    }

    private static string? NameOf(SyntaxNode node) => node switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        ConstructorDeclarationSyntax c => c.Identifier.Text,
        DestructorDeclarationSyntax d => "~" + d.Identifier.Text,
        OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
        ConversionOperatorDeclarationSyntax c => "operator " + c.Type,
        LocalFunctionStatementSyntax l => l.Identifier.Text,
        AccessorDeclarationSyntax a when a.Body is not null || a.ExpressionBody is not null => a.Keyword.Text + "_" + PropertyName(a),
        _ => null,
    };

    private static string PropertyName(AccessorDeclarationSyntax a) => a.Parent?.Parent switch
    {
        PropertyDeclarationSyntax p => p.Identifier.Text,
        EventDeclarationSyntax e => e.Identifier.Text,
        IndexerDeclarationSyntax => "Item",
        _ => "?",
    };

    /// <summary>The name with its enclosing types and methods, for the message.</summary>
    private static string QualifiedName(SyntaxNode node, string name)
    {
        var parts = new List<string> { name };
        for (var p = node.Parent; p is not null; p = p.Parent)
        {
            switch (p)
            {
                case BaseTypeDeclarationSyntax t:
                    parts.Add(t.Identifier.Text);
                    break;
                case MethodDeclarationSyntax m:
                    parts.Add(m.Identifier.Text);
                    break;
                case LocalFunctionStatementSyntax l:
                    parts.Add(l.Identifier.Text);
                    break;
            }
        }

        parts.Reverse();
        return string.Join(".", parts);
    }

    private static IEnumerable<string> SourceFiles(string[] extensions) =>
        ProjectFolders
            .Select(f => Path.Combine(SharedData.RepoRoot, f))
            .Where(Directory.Exists)
            .SelectMany(d => Walk(new DirectoryInfo(d)))
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase) || IsScript(f));

    /// <summary>An extensionless file that starts with a shebang is a script (.ci/run).</summary>
    private static bool IsScript(string file)
    {
        if (Path.GetExtension(file).Length != 0)
        {
            return false;
        }

        using var reader = new StreamReader(file);
        var buffer = new char[2];
        return reader.Read(buffer, 0, 2) == 2 && buffer[0] == '#' && buffer[1] == '!';
    }

    private static IEnumerable<string> Walk(DirectoryInfo dir)
    {
        foreach (var file in dir.EnumerateFiles())
        {
            if (!file.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                yield return file.FullName;
            }
        }

        foreach (var sub in dir.EnumerateDirectories())
        {
            if (!SkippedFolders.Contains(sub.Name, StringComparer.Ordinal) && !sub.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                foreach (var f in Walk(sub))
                {
                    yield return f;
                }
            }
        }
    }

    private static int LineCount(string text)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        var lines = text.Count(c => c == '\n');
        return text[^1] == '\n' ? lines : lines + 1;
    }

    private static string Relative(string path) => Path.GetRelativePath(SharedData.RepoRoot, path).Replace('\\', '/');
}
