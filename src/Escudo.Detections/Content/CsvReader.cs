using System.Text;

namespace Escudo.Detections.Content;

/// <summary>RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes), as Splunk lookup files are written.</summary>
internal static class CsvReader
{
    public static (List<string> Columns, List<string[]> Rows) Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Read(reader);
    }

    public static (List<string> Columns, List<string[]> Rows) Read(TextReader reader)
    {
        var records = new List<List<string>>();
        var field = new StringBuilder();
        var record = new List<string>();
        var inQuotes = false;
        int ch;
        var any = false;
        while ((ch = reader.Read()) >= 0)
        {
            var c = (char)ch;
            any = true;
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        field.Append('"');
                        reader.Read();
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inQuotes = true;
                    break;
                case ',':
                    record.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    record.Add(field.ToString());
                    field.Clear();
                    records.Add(record);
                    record = [];
                    any = false;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (any || field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }

        if (records.Count == 0)
        {
            return ([], []);
        }

        var columns = records[0].Select(c => c.Trim().TrimStart('\uFEFF')).ToList();
        var rows = records.Skip(1)
            .Where(r => !(r.Count == 1 && r[0].Length == 0))
            .Select(r =>
            {
                var arr = new string[columns.Count];
                for (var i = 0; i < arr.Length; i++)
                {
                    arr[i] = i < r.Count ? r[i] : string.Empty;
                }

                return arr;
            }).ToList();
        return (columns, rows);
    }
}
