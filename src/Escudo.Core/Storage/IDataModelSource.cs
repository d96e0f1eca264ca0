using Escudo.Core.DataModels;
using Escudo.Core.Events;

namespace Escudo.Core.Storage;

/// <summary>
/// Rows of CIM data model datasets, as an accelerated data model summary holds them: one row per
/// event that satisfies the dataset's constraints, fields named <c>&lt;Root&gt;.&lt;field&gt;</c>
/// plus <c>_time host source sourcetype index</c>.
/// </summary>
public interface IDataModelSource
{
    DataModelCatalog Catalog { get; }

    IEnumerable<Row> Rows(DataModelDataset dataset, ScanRequest request);
}
