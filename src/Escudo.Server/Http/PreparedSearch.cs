using Escudo.Core.Events;

namespace Escudo.Server.Http;

/// <summary>A compiled search ready to run (<see cref="Rows"/> is lazy), or why it could not be compiled.</summary>
internal sealed record PreparedSearch(IEnumerable<Row>? Rows, IReadOnlyList<string> Warnings, (int Status, string Text)? Error)
{
    public static PreparedSearch Failed(int status, string text) => new(null, [], (status, text));
}
