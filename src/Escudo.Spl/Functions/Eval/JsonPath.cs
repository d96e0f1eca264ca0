using System.Text.Json;
using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Eval;

/// <summary>Splunk's spath paths over JSON: <c>a.b</c>, <c>a{}.b</c> (every array item), <c>a{2}</c> (1-based item).</summary>
internal static class JsonPath
{
    public static Value Extract(string json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var results = new List<string>();
            Walk(doc.RootElement, path.Split('.'), 0, results);
            return Value.FromMulti(results);
        }
        catch (JsonException)
        {
            return Value.Null;
        }
    }

    public static void Flatten(JsonElement e, string prefix, Action<string, string> emit) => Core.Text.JsonFlattener.Flatten(e, prefix, emit);

    public static string Scalar(JsonElement e) => Core.Text.JsonFlattener.Scalar(e);

    private static void Walk(JsonElement e, string[] parts, int i, List<string> results)
    {
        if (i == parts.Length)
        {
            if (e.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                results.Add(e.GetRawText());
            }
            else if (e.ValueKind != JsonValueKind.Null)
            {
                results.Add(Scalar(e));
            }

            return;
        }

        var part = parts[i];
        var brace = part.IndexOf('{');
        var name = brace >= 0 ? part[..brace] : part;
        var index = brace >= 0 ? part[(brace + 1)..part.IndexOf('}', brace)] : null;
        var current = e;
        if (name.Length > 0)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return;
            }
        }

        if (index is null)
        {
            Walk(current, parts, i + 1, results);
            return;
        }

        if (current.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        if (index.Length == 0)
        {
            foreach (var item in current.EnumerateArray())
            {
                Walk(item, parts, i + 1, results);
            }
        }
        else if (int.TryParse(index, out var n) && n >= 1 && n <= current.GetArrayLength())
        {
            Walk(current[n - 1], parts, i + 1, results);
        }
    }
}
