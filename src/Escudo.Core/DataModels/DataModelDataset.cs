using Escudo.Core.Events;

namespace Escudo.Core.DataModels;

/// <summary>
/// A dataset (node) of a CIM data model, such as Endpoint.Registry or Authentication.Failed_Authentication.
/// Fields are named in tstats as <c>&lt;RootObject&gt;.&lt;field&gt;</c>; a child inherits its
/// parent's fields and constraints and adds its own.
/// </summary>
public sealed class DataModelDataset
{
    public DataModelDataset(string model, string name, DataModelDataset? parent, IReadOnlyList<string> requiredTags, IReadOnlyList<DataModelField> fields, Func<Row, bool>? extraConstraint = null, string? constraintText = null)
    {
        Model = model;
        Name = name;
        Parent = parent;
        RequiredTags = parent is null ? requiredTags : [.. parent.RequiredTags, .. requiredTags];
        OwnFields = fields;
        Fields = parent is null ? fields : [.. parent.Fields, .. fields];
        var parentConstraint = parent?.ExtraConstraint;
        ExtraConstraint = (parentConstraint, extraConstraint) switch
        {
            (null, var c) => c,
            (var p, null) => p,
            (var p, var c) => r => p(r) && c(r),
        };
        ConstraintText = constraintText;
        Root = parent?.Root ?? this;
    }

    public string Model { get; }

    public string Name { get; }

    public string FullName => $"{Model}.{Name}";

    public DataModelDataset? Parent { get; }

    public DataModelDataset Root { get; }

    /// <summary>The prefix of field names in tstats: the root object's name.</summary>
    public string Prefix => Root.Name;

    public IReadOnlyList<string> RequiredTags { get; }

    public IReadOnlyList<DataModelField> OwnFields { get; }

    public IReadOnlyList<DataModelField> Fields { get; }

    public Func<Row, bool>? ExtraConstraint { get; }

    /// <summary>The constraint as CIM writes it, for documentation and explain output.</summary>
    public string? ConstraintText { get; }

    public override string ToString() => FullName;
}
