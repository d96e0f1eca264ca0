using Escudo.Core.Events;
using Escudo.Spl.Planning;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// The subsearch of a join or append: planned with the main search, run when the command needs
/// its rows. <see cref="Run"/> can be replaced, so the shared pass can feed the subsearch while it
/// reads and hand its finished results instead of reading the store again.
/// </summary>
internal sealed class NestedSearch(CompiledSearch search)
{
    public CompiledSearch Search { get; } = search;

    public Func<IEnumerable<Row>> Run { get; set; } = search.Run;
}
