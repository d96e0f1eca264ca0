using Escudo.Spl;
using Escudo.Spl.Functions.Eval;

namespace Escudo.Tests.Architecture;

/// <summary>
/// The namespaces of Escudo.Spl depend one way, from the syntax up to the engine (docs/architecture.md,
/// "Inside Spl"). Read from the compiled assembly's metadata, so a reference in a method body or a
/// lambda counts as much as one in a signature.
/// </summary>
public class SplNamespaceTests
{
    /// <summary>Bottom to top: a namespace may use those of its own layer and below, never above.</summary>
    private static readonly string[][] Layers =
    [
        ["Escudo.Spl.Syntax.Ast"],
        ["Escudo.Spl.Syntax"],
        ["Escudo.Spl.Macros"],
        ["Escudo.Spl.Execution"],
        ["Escudo.Spl.Functions.Eval", "Escudo.Spl.Functions.Stats"],
        ["Escudo.Spl.Execution.Operators"],
        ["Escudo.Spl.Planning.Pushdown"],
        ["Escudo.Spl.Planning"],
        ["Escudo.Spl"],
        ["Escudo.Spl.Facts"],
    ];

    private static readonly Lazy<Dictionary<string, Dictionary<string, SortedSet<string>>>> Graph =
        new(() => NamespaceDependencies.Read(typeof(SplEngine).Assembly.Location, "Escudo.Spl"));

    [Fact]
    public void No_namespace_cycle_inside_Spl()
    {
        var cycles = Cycles(Graph.Value.ToDictionary(kv => kv.Key, kv => (IEnumerable<string>)kv.Value.Keys));
        var report = cycles.Select(c => string.Join(" ⇄ ", c) + ":\n" + string.Join("\n", Edges(c))).ToList();
        Assert.True(report.Count == 0, "Namespaces of Escudo.Spl that use each other:\n" + string.Join("\n\n", report));
    }

    [Fact]
    public void Spl_namespaces_use_only_their_layer_and_those_below()
    {
        var layerOf = Layers.SelectMany((names, i) => names.Select(n => (n, i))).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (from, targets) in Graph.Value)
        {
            if (!layerOf.TryGetValue(from, out var fromLayer))
            {
                problems.Add($"{from} is in no layer: place it in SplNamespaceTests.Layers and docs/architecture.md");
                continue;
            }

            foreach (var (to, why) in targets)
            {
                if (layerOf.TryGetValue(to, out var toLayer) && toLayer > fromLayer)
                {
                    problems.Add($"{from} uses {to}, a layer above it: {string.Join(", ", why.Take(5))}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_reader_sees_uses_in_signatures_and_in_method_bodies()
    {
        // The planner makes operators in its method bodies, and a stats operator holds aggregators
        // in its fields: if either is missing, the reader misses references and the tests above prove nothing.
        Assert.Contains("Escudo.Spl.Execution.Operators", Graph.Value["Escudo.Spl.Planning"].Keys);
        Assert.Contains("StatsOperator → Aggregator", Graph.Value["Escudo.Spl.Execution.Operators"]["Escudo.Spl.Functions.Stats"]);
        Assert.Contains("Planner → RenameOperator", Graph.Value["Escudo.Spl.Planning"]["Escudo.Spl.Execution.Operators"]);
    }

    [Fact]
    public void The_cycle_finder_finds_a_cycle_of_three_and_ignores_a_chain()
    {
        var graph = new Dictionary<string, IEnumerable<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A", "D"],
            ["D"] = ["E"],
        };
        var cycles = Cycles(graph);
        Assert.Equal(["A", "B", "C"], Assert.Single(cycles));
    }

    [Fact]
    public void The_parser_knows_every_eval_function_of_the_catalog_by_name()
    {
        // The parser reads `name (` with a space as a call only for known names; its list lives in
        // the syntax (which may not use the catalog) and must name exactly the catalog's functions.
        var catalog = FunctionCatalog.Names.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        var syntax = Escudo.Spl.Syntax.EvalFunctionNames.All.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(catalog, syntax);
    }

    private static IEnumerable<string> Edges(IReadOnlyList<string> cycle) =>
        from a in cycle
        from b in cycle
        where Graph.Value.TryGetValue(a, out var t) && t.ContainsKey(b)
        select $"  {a} → {b}: {string.Join(", ", Graph.Value[a][b].Take(6))}";

    /// <summary>The strongly connected components of more than one node (Tarjan), each sorted.</summary>
    private static List<List<string>> Cycles(Dictionary<string, IEnumerable<string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();
        var next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? [])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    result.Add([.. component.Order(StringComparer.Ordinal)]);
                }
            }
        }

        foreach (var v in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(v))
            {
                Visit(v);
            }
        }

        return result;
    }
}
