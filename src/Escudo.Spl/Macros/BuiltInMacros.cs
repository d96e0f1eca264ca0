namespace Escudo.Spl.Macros;

/// <summary>
/// Macros Splunk installs outside ESCU's folder: <c>drop_dm_object_name(1)</c> from the CIM app
/// (<c>rename $object$.* AS *</c>) and, for any <c>&lt;name&gt;_filter</c> macro nobody defined,
/// <c>search *</c> (ESCU's build tool generates these empty filters). Consulted last.
/// </summary>
public sealed class BuiltInMacros : IMacroSource
{
    public static readonly BuiltInMacros Instance = new();

    private static readonly MacroDefinition DropDmObjectName = new("drop_dm_object_name", ["object"], "rename $object$.* AS *");

    public MacroDefinition? Find(string name, int arity)
    {
        if (arity == 1 && name.Equals("drop_dm_object_name", StringComparison.Ordinal))
        {
            return DropDmObjectName;
        }

        if (arity == 0 && name.EndsWith("_filter", StringComparison.Ordinal))
        {
            return new MacroDefinition(name, [], "search *");
        }

        return null;
    }
}
