using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>A streaming command that works on one row at a time with no state: a filter, or a change made in place.</summary>
internal interface IRowStep
{
    /// <summary>Applies the step to the row; false when the row is dropped.</summary>
    bool Apply(Row row);
}
