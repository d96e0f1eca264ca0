using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>uniq: drops a row identical to the one before it.</summary>
internal sealed class UniqOperator : Operator
{
    public override string Describe() => "uniq";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        string? last = null;
        foreach (var r in input)
        {
            var key = r.ToString();
            if (key != last)
            {
                yield return r;
            }

            last = key;
        }
    }
}
