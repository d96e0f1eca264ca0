namespace Escudo.Core.Diagnostics;

public enum Severity
{
    Error,
    Warning,
    Info,
}
