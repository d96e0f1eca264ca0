using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary><c>| from datamodel:X.Y</c>: the dataset's rows with the root prefix removed from field names.</summary>
internal sealed class FromDataModelOperator : GeneratingOperator
{
    private readonly SearchContext _context;
    private readonly Core.DataModels.DataModelDataset _dataset;

    public FromDataModelOperator(FromDataModelCommand f, SearchContext context)
    {
        _context = context;
        var catalog = context.DataModels?.Catalog ?? Core.DataModels.DataModelCatalog.Cim;
        _dataset = catalog.Resolve(f.DataModel) ?? throw new DiagnosticException(SplDiagnostics.UnknownDataModel(f.DataModel, f.Span));
    }

    public override bool Generates => true;

    public override string Describe() => "from datamodel " + _dataset.FullName;

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var dataModels = _context.DataModels;
        if (dataModels is null)
        {
            yield break;
        }

        var prefix = _dataset.Prefix + ".";
        foreach (var row in dataModels.Rows(_dataset, new ScanRequest(_context.TimeRange)))
        {
            var r = new Row(row.Count);
            for (var i = 0; i < row.Count; i++)
            {
                var name = row.NameAt(i);
                r.Set(name.StartsWith(prefix, StringComparison.Ordinal) ? FieldTable.Intern(name[prefix.Length..]) : row.IdAt(i), row.ValueAt(i));
            }

            r.CopyProvenance(row);

            yield return r;
        }
    }
}
