using Escudo.Core.Diagnostics;

namespace Escudo.Spl.Macros;

/// <summary>The expanded search text, the macros it used, or the diagnostic that stopped expansion.</summary>
internal sealed record ExpansionResult(string? Text, IReadOnlyList<string> MacrosUsed, Diagnostic? Diagnostic)
{
    public bool Success => Diagnostic is null;

    /// <summary>Where each character of <see cref="Text"/> came from in the search as written.</summary>
    public SourceMap? Map { get; init; }
}
