namespace Escudo.Spl.Execution;

/// <summary>Lookup tables by name (ESCU <c>lookups/*.yml</c> definitions with their CSV files).</summary>
public interface ILookupSource
{
    LookupTable? Find(string name);
}
