namespace Escudo.Core.Values;

/// <summary>The kinds a Splunk field value can take at search time.</summary>
public enum ValueKind : byte
{
    Null = 0,
    String,
    Number,
    Boolean,
    Multi,
}
