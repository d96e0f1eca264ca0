namespace Escudo.Spl.Macros;

/// <summary>Macros held in memory, keyed by name and arity (Splunk's <c>name(N)</c> convention).</summary>
public sealed class DictionaryMacroSource : IMacroSource
{
    private readonly Dictionary<(string, int), MacroDefinition> _macros = new();

    public DictionaryMacroSource(IEnumerable<MacroDefinition>? macros = null)
    {
        foreach (var m in macros ?? [])
        {
            Add(m);
        }
    }

    public int Count => _macros.Count;

    public void Add(MacroDefinition macro) => _macros[(macro.Name, macro.Arity)] = macro;

    public MacroDefinition? Find(string name, int arity) => _macros.GetValueOrDefault((name, arity));
}
