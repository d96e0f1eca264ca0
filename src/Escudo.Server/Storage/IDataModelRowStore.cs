using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Core.Storage;

namespace Escudo.Server.Storage;

/// <summary>
/// A serve store that keeps data-model rows of its own, filled at ingest (Splunk's data-model
/// acceleration): <c>tstats</c> reads them instead of scanning and mapping the events of its range.
/// </summary>
internal interface IDataModelRowStore
{
    IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request, CancellationToken cancellation);
}
