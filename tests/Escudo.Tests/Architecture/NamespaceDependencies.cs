using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Escudo.Tests.Architecture;

/// <summary>
/// Which namespaces of an assembly use which, read from its metadata: base types, interfaces,
/// field, method and local signatures, and every type, method and field token in the method
/// bodies (so a type used only inside a lambda or an iterator counts). Compiler-made types
/// (closures, state machines) are nested in the type whose code they hold, so they count for its
/// namespace. References to other assemblies are left out.
/// </summary>
internal sealed class NamespaceDependencies
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly MetadataReader _reader;

    private NamespaceDependencies(MetadataReader reader) => _reader = reader;

    /// <summary>For each namespace under <paramref name="prefix"/>: the namespaces it uses, each with the type pairs (user → used) that make the edge.</summary>
    public static Dictionary<string, Dictionary<string, SortedSet<string>>> Read(string assemblyPath, string prefix)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var graph = new NamespaceDependencies(reader);
        var edges = new Dictionary<string, Dictionary<string, SortedSet<string>>>(StringComparer.Ordinal);
        foreach (var handle in reader.TypeDefinitions)
        {
            var (fromNs, fromName) = graph.Owner(handle);
            if (!InScope(fromNs, prefix))
            {
                continue;
            }

            if (!edges.TryGetValue(fromNs, out var targets))
            {
                edges[fromNs] = targets = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            }

            foreach (var used in graph.UsedBy(handle, pe))
            {
                var (toNs, toName) = graph.Owner(used);
                if (toNs == fromNs || !InScope(toNs, prefix))
                {
                    continue;
                }

                if (!targets.TryGetValue(toNs, out var why))
                {
                    targets[toNs] = why = new SortedSet<string>(StringComparer.Ordinal);
                }

                why.Add($"{fromName} → {toName}");
            }
        }

        return edges;
    }

    private static bool InScope(string ns, string prefix) => ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal);

    /// <summary>The namespace and name of the top-level type that holds this one.</summary>
    private (string Namespace, string Name) Owner(TypeDefinitionHandle handle)
    {
        var type = _reader.GetTypeDefinition(handle);
        while (type.GetDeclaringType() is { IsNil: false } outer)
        {
            type = _reader.GetTypeDefinition(outer);
        }

        return (_reader.GetString(type.Namespace), _reader.GetString(type.Name));
    }

    private HashSet<TypeDefinitionHandle> UsedBy(TypeDefinitionHandle handle, PEReader pe)
    {
        var found = new HashSet<TypeDefinitionHandle>();
        var provider = new TypeCollector(found);
        var type = _reader.GetTypeDefinition(handle);
        AddEntity(type.BaseType, found, provider);
        foreach (var i in type.GetInterfaceImplementations())
        {
            AddEntity(_reader.GetInterfaceImplementation(i).Interface, found, provider);
        }

        foreach (var f in type.GetFields())
        {
            _reader.GetFieldDefinition(f).DecodeSignature(provider, null);
        }

        foreach (var m in type.GetMethods())
        {
            var method = _reader.GetMethodDefinition(m);
            method.DecodeSignature(provider, null);
            if (method.RelativeVirtualAddress != 0)
            {
                AddBody(pe.GetMethodBody(method.RelativeVirtualAddress), found, provider);
            }
        }

        return found;
    }

    private void AddBody(MethodBodyBlock body, HashSet<TypeDefinitionHandle> found, TypeCollector provider)
    {
        if (!body.LocalSignature.IsNil)
        {
            _reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null);
        }

        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il.ReadByte());
            }

            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    AddEntity(MetadataTokens.EntityHandle(il.ReadInt32()), found, provider);
                    break;
                case OperandType.InlineSwitch:
                    var n = il.ReadInt32();
                    il.Offset += 4 * n;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                default:
                    il.Offset += 4;
                    break;
            }
        }
    }

    private void AddEntity(EntityHandle handle, HashSet<TypeDefinitionHandle> found, TypeCollector provider)
    {
        if (handle.IsNil)
        {
            return;
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                found.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                _reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(provider, null);
                break;
            case HandleKind.MethodDefinition:
                found.Add(_reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                found.Add(_reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MethodSpecification:
                var spec = _reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                AddEntity(spec.Method, found, provider);
                spec.DecodeSignature(provider, null);
                break;
            case HandleKind.MemberReference:
                var member = _reader.GetMemberReference((MemberReferenceHandle)handle);
                AddEntity(member.Parent, found, provider);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    member.DecodeMethodSignature(provider, null);
                }
                else
                {
                    member.DecodeFieldSignature(provider, null);
                }

                break;
        }
    }

    /// <summary>Decodes signatures only for their side effect: every type definition they name is added to the set.</summary>
    private sealed class TypeCollector(HashSet<TypeDefinitionHandle> found) : ISignatureTypeProvider<int, object?>
    {
        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            found.Add(handle);
            return 0;
        }

        public int GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => 0;

        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;

        public int GetSZArrayType(int elementType) => 0;

        public int GetArrayType(int elementType, ArrayShape shape) => 0;

        public int GetByReferenceType(int elementType) => 0;

        public int GetPointerType(int elementType) => 0;

        public int GetPinnedType(int elementType) => 0;

        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;

        public int GetGenericMethodParameter(object? genericContext, int index) => 0;

        public int GetGenericTypeParameter(object? genericContext, int index) => 0;

        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;

        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
    }
}
