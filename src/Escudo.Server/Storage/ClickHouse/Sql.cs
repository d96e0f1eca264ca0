using System.Globalization;
using System.Text;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>ClickHouse SQL literals: every value Escudo sends is quoted here, never spliced raw.</summary>
internal static class Sql
{
    /// <summary>A string literal: backslash and quote escaped, as ClickHouse reads them in single quotes.</summary>
    public static string Literal(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    sb.Append(@"\\");
                    break;
                case '\'':
                    sb.Append(@"\'");
                    break;
                case '\0':
                    sb.Append(@"\0");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.Append('\'').ToString();
    }

    /// <summary>A Float64 literal that reads back as the same double.</summary>
    public static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : throw new ArgumentOutOfRangeException(nameof(value), "not a finite number");

    /// <summary>A TabSeparated value back to its text.</summary>
    public static string UnescapeTsv(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var sb = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] != '\\' || i + 1 == field.Length)
            {
                sb.Append(field[i]);
                continue;
            }

            var c = field[++i];
            sb.Append(c switch { 't' => '\t', 'n' => '\n', 'r' => '\r', '0' => '\0', 'b' => '\b', 'f' => '\f', _ => c });
        }

        return sb.ToString();
    }
}
