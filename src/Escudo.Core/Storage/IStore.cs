namespace Escudo.Core.Storage;

/// <summary>A store that serves both raw events and data model rows (memory, an embedded database, a cluster).</summary>
public interface IStore : IEventSource, IDataModelSource
{
}
