using System.Text.RegularExpressions;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>xmlkv: every <c>&lt;tag&gt;value&lt;/tag&gt;</c> in the field becomes tag=value.</summary>
internal sealed partial class XmlKvOperator(XmlKvCommand x) : InPlaceOperator
{
    private readonly int _input = FieldTable.Intern(x.Field);

    public override string Describe() => "xmlkv";

    protected override void Map(Row row)
    {
        var text = row.Get(_input).FirstString();
        if (text is null)
        {
            return;
        }

        foreach (Match m in XmlKvRegex().Matches(text))
        {
            row.Set(FieldTable.Intern(m.Groups[1].Value), Value.FromString(m.Groups[2].Value));
        }
    }

    [GeneratedRegex(@"<([A-Za-z_][\w\-.]*)(?:\s[^>]*)?>([^<]*)</\1>")]
    private static partial Regex XmlKvRegex();
}
