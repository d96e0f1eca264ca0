using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>The key of a row by some of its fields, as join, dedup and transaction compare rows.</summary>
internal static class RowKey
{
    /// <summary>The fields' display values joined by U+0001; null when the row lacks one of them.</summary>
    public static string? Of(Row r, int[] fields)
    {
        var parts = new string[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            var v = r.Get(fields[i]);
            if (v.IsNull)
            {
                return null;
            }

            parts[i] = v.ToDisplayString();
        }

        return string.Join('\u0001', parts);
    }
}
