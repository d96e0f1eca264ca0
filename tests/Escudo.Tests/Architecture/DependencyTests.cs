namespace Escudo.Tests.Architecture;

/// <summary>
/// Keeps the house's boundaries (docs/architecture.md): the projects depend on each other only
/// along the arrows Core ← Spl, Core ← Ingest, (Spl, Ingest) ← Detections ← Server ← Cli; no
/// project but the CLI uses System.CommandLine; and the syntax tree (Escudo.Spl.Syntax) is Spl's
/// own: other projects ask Spl (Escudo.Spl.Facts, CompileResult) instead of walking it.
/// Each check also runs where a violation is known to be, so it is shown able to fail.
/// </summary>
public class DependencyTests
{
    private const string SyntaxNamespace = "Escudo.Spl.Syntax";

    /// <summary>The project assemblies each one may use, along the arrows.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Escudo.Core"] = [],
        ["Escudo.Spl"] = ["Escudo.Core"],
        ["Escudo.Ingest"] = ["Escudo.Core"],
        ["Escudo.Detections"] = ["Escudo.Core", "Escudo.Spl", "Escudo.Ingest"],
        ["Escudo.Server"] = ["Escudo.Core", "Escudo.Spl", "Escudo.Ingest", "Escudo.Detections"],
        ["escudo"] = ["Escudo.Core", "Escudo.Spl", "Escudo.Ingest", "Escudo.Detections", "Escudo.Server"],
    };

    /// <summary>
    /// Types outside Spl allowed to use syntax-tree types for now. Issue 19: the pushdown
    /// (Server/Storage/Pushdown.cs) is being rebuilt from the planner's bound tree; until that
    /// lands behind a Spl API, it may read the tree. Remove this entry when it does.
    /// </summary>
    private static readonly string[] SyntaxExceptions = ["Escudo.Server.Storage.Pushdown"];

    [Fact]
    public void ProjectsDependOnlyAlongTheArrows()
    {
        var problems = AssemblyUses.ProjectAssemblies.SelectMany(name => ArrowViolations(name, Allowed[name])).ToList();
        Assert.True(problems.Count == 0, "dependencies against the arrows:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void TheArrowCheckFindsADependencyThatIsNotAllowed()
    {
        // Detections uses Spl and Ingest: held to Core's arrows, both must be reported.
        var problems = ArrowViolations("Escudo.Detections", ["Escudo.Core"]).ToList();
        Assert.Contains(problems, p => p.Contains("Escudo.Spl", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Escudo.Ingest", StringComparison.Ordinal));
    }

    [Fact]
    public void OnlyTheCliUsesSystemCommandLine()
    {
        var users = AssemblyUses.ProjectAssemblies
            .Where(name => name != "escudo")
            .Where(name => References(name).Contains("System.CommandLine"))
            .ToList();
        Assert.True(users.Count == 0, "System.CommandLine is used outside the CLI by: " + string.Join(", ", users));
        Assert.Contains("System.CommandLine", References("escudo"));
    }

    [Fact]
    public void SyntaxTreeTypesAreUsedOnlyInsideSpl()
    {
        var problems = AssemblyUses.ProjectAssemblies
            .Where(name => name != "Escudo.Spl")
            .SelectMany(SyntaxUses)
            .Where(u => !SyntaxExceptions.Any(e => u.Type.StartsWith(e, StringComparison.Ordinal)))
            .Select(u => $"{u.Type} uses {u.Syntax}")
            .ToList();
        Assert.True(problems.Count == 0, $"{problems.Count} uses of syntax-tree types outside Spl (ask Spl through Escudo.Spl.Facts instead):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void TheSyntaxCheckFindsUsesInMethodBodiesAndSignatures()
    {
        // Spl walks its own tree: the check must see it, in signatures and in bodies.
        var uses = SyntaxUses("Escudo.Spl").ToList();
        Assert.Contains(uses, u => u.Type == "Escudo.Spl.SplEngine" && u.Syntax == "Escudo.Spl.Syntax.Parser");
        Assert.Contains(uses, u => u.Type == "Escudo.Spl.SplEngine" && u.Syntax == "Escudo.Spl.Syntax.Ast.Pipeline");
        Assert.Contains(uses, u => u.Type == "Escudo.Spl.Facts.SearchFacts" && u.Syntax == "Escudo.Spl.Syntax.Ast.SearchSubsearch");
    }

    private static IEnumerable<string> ArrowViolations(string name, string[] allowed) => References(name)
        .Where(r => AssemblyUses.ProjectAssemblies.Contains(r) && !allowed.Contains(r))
        .Select(r => $"{name} uses {r}");

    private static HashSet<string> References(string name)
    {
        using var assembly = AssemblyUses.Load(name);
        return [.. assembly.MainModule.AssemblyReferences.Select(r => r.Name)];
    }

    private static IEnumerable<(string Type, string Syntax)> SyntaxUses(string name)
    {
        using var assembly = AssemblyUses.Load(name);
        return AssemblyUses.TypesWithUses(assembly)
            .SelectMany(t => t.Uses
                .Where(u => AssemblyUses.NamespaceOf(u) is var ns && (ns == SyntaxNamespace || ns.StartsWith(SyntaxNamespace + ".", StringComparison.Ordinal)))
                .Select(u => (t.Type.FullName, u.FullName)))
            .ToList();
    }
}
