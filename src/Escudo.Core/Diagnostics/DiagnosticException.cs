namespace Escudo.Core.Diagnostics;

/// <summary>
/// Carries a diagnostic out of deep code (a parser's recursion, an operator's setup) to the
/// boundary that turns it back into a value. Never escapes a public entry point.
/// </summary>
public sealed class DiagnosticException(Diagnostic diagnostic) : Exception(diagnostic.Message)
{
    public Diagnostic Diagnostic { get; } = diagnostic;
}
