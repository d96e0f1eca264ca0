using Escudo.Core.Events;

namespace Escudo.Server.Http;

/// <summary>A compiled search ready to run (<see cref="Rows"/> is lazy), or why it could not be compiled.</summary>
internal sealed record PreparedSearch(IEnumerable<Row>? Rows, IReadOnlyList<string> Warnings, (int Status, string Text)? Error)
{
    public static PreparedSearch Failed(int status, string text) => new(null, [], (status, text));

    /// <summary>The store's warnings about the answer (a shard that did not answer), filled while the rows are read; also in <see cref="Warnings"/>.</summary>
    public IReadOnlyList<string> StoreWarnings { get; init; } = [];

    /// <summary>For a search that did not compile: where the problem is, as an offset into the text the caller passed (the console puts a caret there).</summary>
    public int? ErrorOffset { get; init; }

    /// <summary>For a search that did not compile: how many characters the problem spans (at least 1).</summary>
    public int ErrorLength { get; init; } = 1;
}
