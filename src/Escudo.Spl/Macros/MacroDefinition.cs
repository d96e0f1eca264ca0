namespace Escudo.Spl.Macros;

/// <summary>A search macro: its name, argument names (arity is their count) and body.</summary>
public sealed record MacroDefinition(string Name, IReadOnlyList<string> Arguments, string Definition)
{
    public int Arity => Arguments.Count;
}
