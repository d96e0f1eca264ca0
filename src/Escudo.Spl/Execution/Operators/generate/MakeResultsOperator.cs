using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution.Operators;

/// <summary>makeresults: <c>count</c> results whose _time is the search's now (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Makeresults).</summary>
internal sealed class MakeResultsOperator(int count, double searchNow) : GeneratingOperator
{
    public override bool Generates => true;

    public override string Describe() => $"makeresults count={count}";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var now = Math.Floor(searchNow);
        for (var i = 0; i < count; i++)
        {
            var r = new Row(4);
            r.Set(FieldTable.Time, Value.FromNumber(now));
            yield return r;
        }
    }
}
