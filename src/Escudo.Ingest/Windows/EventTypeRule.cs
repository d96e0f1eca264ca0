namespace Escudo.Ingest.Windows;

/// <summary>An add-on eventtype as data: which channel and event codes it matches, and the tags it gives.</summary>
public sealed record EventTypeRule(string Name, string Channel, int[]? EventCodes, string[] Tags, string Evidence)
{
    public bool Matches(string channel, int eventCode) =>
        channel.Equals(Channel, StringComparison.OrdinalIgnoreCase) && (EventCodes is null || Array.IndexOf(EventCodes, eventCode) >= 0);
}
