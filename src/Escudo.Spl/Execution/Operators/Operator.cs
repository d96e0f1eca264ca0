using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// One step of a compiled pipeline. Streaming operators yield as they read; blocking ones
/// (stats, sort, dedup's sortby, eventstats) read everything first and keep state bounded by
/// the number of groups or rows they must hold.
/// </summary>
public abstract class Operator
{
    /// <summary>True when the operator changes rows it is given (so shared events must be copied first).</summary>
    public virtual bool Mutates => false;

    /// <summary>True when the operator makes rows of its own (makeresults, inputlookup, ...): they count against the search's row budget as they are made.</summary>
    public virtual bool Generates => false;

    /// <summary>The subsearch the command reads (join, append), if any: the shared pass may feed it while it reads.</summary>
    public virtual NestedSearch? Nested => null;

    /// <summary>A short description for explain output.</summary>
    public abstract string Describe();

    public abstract IEnumerable<Row> Execute(IEnumerable<Row> input);
}

/// <summary>An operator that produces rows itself and ignores its input (tstats, makeresults, inputlookup).</summary>
internal abstract class GeneratingOperator : Operator
{
}
