namespace Escudo.Spl.Macros;

/// <summary>Where macros come from (an ESCU macros folder, a user's folder, built-ins).</summary>
public interface IMacroSource
{
    MacroDefinition? Find(string name, int arity);
}
