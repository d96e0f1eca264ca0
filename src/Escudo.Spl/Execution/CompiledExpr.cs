using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution;

/// <summary>An eval expression compiled to a delegate: evaluated once per row, no allocation for plain field reads.</summary>
internal delegate Value CompiledExpr(Row row);
