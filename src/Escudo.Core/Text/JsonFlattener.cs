using System.Text.Json;

namespace Escudo.Core.Text;

/// <summary>Splunk's automatic JSON field names: <c>a.b</c> for nested objects, <c>a{}.c</c> for arrays.</summary>
public static class JsonFlattener
{
    public static void Flatten(JsonElement e, string prefix, Action<string, string> emit)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    Flatten(p.Value, prefix.Length == 0 ? p.Name : prefix + "." + p.Name, emit);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    Flatten(item, prefix + "{}", emit);
                }

                break;
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                break;
            default:
                emit(prefix, Scalar(e));
                break;
        }
    }

    public static string Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? string.Empty,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => e.GetRawText(),
    };
}
