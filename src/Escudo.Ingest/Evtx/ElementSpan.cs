namespace Escudo.Ingest.Evtx;

/// <summary>Where one rendered element sits in the output XML (indexes into the event's text).</summary>
internal struct ElementSpan
{
    public string Name;

    /// <summary>0 for the root element.</summary>
    public int Depth;

    /// <summary>Index of "&lt;" of the start tag.</summary>
    public int TagStart;

    /// <summary>Index of "&gt;" ending the start tag, or of "/" in "/&gt;" when the element is self-closed.</summary>
    public int TagEnd;

    /// <summary>Index of "&lt;/" of the end tag; -1 when the element is self-closed.</summary>
    public int ContentEnd;

    /// <summary>Child elements present in the output.</summary>
    public int Children;

    /// <summary>Removed from the output after it was opened (an element whose only content was an absent optional value).</summary>
    public bool Dropped;

    public readonly bool SelfClosed => ContentEnd < 0;

    public readonly int ContentStart => TagEnd + 1;

    /// <summary>Whether the start tag has attributes (text between the name and the tag end).</summary>
    public readonly bool HasAttributes => TagEnd > TagStart + 1 + Name.Length;
}
