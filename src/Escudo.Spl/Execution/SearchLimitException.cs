namespace Escudo.Spl.Execution;

/// <summary>A blocking command went past its memory limit; the search stops with this message.</summary>
public sealed class SearchLimitException(string message) : Exception(message);
