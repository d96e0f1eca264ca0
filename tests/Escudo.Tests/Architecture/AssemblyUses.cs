using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Escudo.Tests.Architecture;

/// <summary>
/// Reads the built assemblies (Mono.Cecil, without loading them) and lists, for each top-level
/// type, every type it uses: in its base types, fields, properties, signatures, local variables
/// and in the instructions of its method bodies, its nested types (lambdas, iterators, async
/// state machines) included, so a use hidden in a method body counts as much as one in a signature.
/// </summary>
internal static class AssemblyUses
{
    /// <summary>The project assemblies, by assembly name, as the test project's build copied them.</summary>
    public static readonly string[] ProjectAssemblies = ["Escudo.Core", "Escudo.Spl", "Escudo.Ingest", "Escudo.Detections", "Escudo.Server", "escudo"];

    public static AssemblyDefinition Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        Assert.True(File.Exists(path), $"{path} is not built next to the tests");
        return AssemblyDefinition.ReadAssembly(path);
    }

    /// <summary>The namespace a type is declared in (a nested type's is its outermost type's).</summary>
    public static string NamespaceOf(TypeReference t) => t.IsNested ? NamespaceOf(t.DeclaringType) : t.Namespace;

    /// <summary>Each top-level type of the assembly with the full names of the types it uses.</summary>
    public static IEnumerable<(TypeDefinition Type, IReadOnlyCollection<TypeReference> Uses)> TypesWithUses(AssemblyDefinition assembly)
    {
        foreach (var type in assembly.MainModule.Types)
        {
            var uses = new Dictionary<string, TypeReference>(StringComparer.Ordinal);
            Collect(type, uses);
            yield return (type, uses.Values);
        }
    }

    private static void Collect(TypeDefinition type, Dictionary<string, TypeReference> uses)
    {
        Add(type.BaseType, uses);
        foreach (var i in type.Interfaces)
        {
            Add(i.InterfaceType, uses);
        }

        foreach (var f in type.Fields)
        {
            Add(f.FieldType, uses);
        }

        foreach (var p in type.Properties)
        {
            Add(p.PropertyType, uses);
        }

        foreach (var m in type.Methods)
        {
            AddMethod(m, uses);
            if (!m.HasBody)
            {
                continue;
            }

            foreach (var v in m.Body.Variables)
            {
                Add(v.VariableType, uses);
            }

            foreach (var ins in m.Body.Instructions)
            {
                AddOperand(ins, uses);
            }
        }

        foreach (var nested in type.NestedTypes)
        {
            Collect(nested, uses);
        }
    }

    private static void AddOperand(Instruction ins, Dictionary<string, TypeReference> uses)
    {
        switch (ins.Operand)
        {
            case TypeReference t:
                Add(t, uses);
                break;
            case MethodReference m:
                AddMethod(m, uses);
                break;
            case FieldReference f:
                Add(f.DeclaringType, uses);
                Add(f.FieldType, uses);
                break;
        }
    }

    private static void AddMethod(MethodReference m, Dictionary<string, TypeReference> uses)
    {
        Add(m.DeclaringType, uses);
        Add(m.ReturnType, uses);
        foreach (var p in m.Parameters)
        {
            Add(p.ParameterType, uses);
        }

        if (m is GenericInstanceMethod g)
        {
            foreach (var a in g.GenericArguments)
            {
                Add(a, uses);
            }
        }
    }

    private static void Add(TypeReference? t, Dictionary<string, TypeReference> uses)
    {
        switch (t)
        {
            case null or GenericParameter:
                return;
            case GenericInstanceType g:
                Add(g.ElementType, uses);
                foreach (var a in g.GenericArguments)
                {
                    Add(a, uses);
                }

                return;
            case TypeSpecification s:
                // Arrays, by-refs, pointers, modifiers: the type they are made of.
                Add(s.ElementType, uses);
                return;
            default:
                uses.TryAdd(t.FullName, t);
                return;
        }
    }
}
