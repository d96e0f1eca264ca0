namespace Escudo.Spl.Macros;

/// <summary>Looks a macro up in each source in order; the first that has it wins (user folders before content before built-ins).</summary>
public sealed class LayeredMacroSource(IEnumerable<IMacroSource> layers) : IMacroSource
{
    private readonly IMacroSource[] _layers = layers.ToArray();

    public MacroDefinition? Find(string name, int arity)
    {
        foreach (var layer in _layers)
        {
            if (layer.Find(name, arity) is { } m)
            {
                return m;
            }
        }

        return null;
    }
}
