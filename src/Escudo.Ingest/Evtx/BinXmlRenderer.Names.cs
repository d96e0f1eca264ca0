namespace Escudo.Ingest.Evtx;

/// <summary>Element and attribute names: read by chunk offset once per chunk, interned across chunks, damaged ones written encoded.</summary>
internal sealed partial class BinXmlRenderer
{
    private readonly ChunkOffsetCache<(string Name, int Length)> _names = new();

    // Chunks of a file (and files of a set) share the same few dozen names; interning them by
    // content skips validating and allocating each name again in every chunk. Bounded so hostile
    // input with endless distinct names cannot grow it without limit.
    private const int MaxInternedNames = 4096;
    private readonly Dictionary<string, string> _internedNames = new(StringComparer.Ordinal);

    private string ReadName(ref EvtxCursor c, ReadOnlySpan<byte> chunk)
    {
        var offset = (int)Math.Min(c.U32("name offset"), int.MaxValue);

        // Template bodies keep their names inline, so the same inline name comes back for every
        // record that uses the template: look it up by offset before decoding it again.
        if (_names.TryGet(offset, out var cached))
        {
            if (offset == c.Position)
            {
                c.Skip(cached.Length, "inline name");
            }

            return cached.Name;
        }

        var name = DecodeName(chunk, offset, out var length);
        _names.Set(offset, (name, length));
        if (offset == c.Position)
        {
            // Name stored inline right here: step over it.
            c.Skip(length, "inline name");
        }

        return name;
    }

    /// <summary>Whether a name can be written into the XML as it is: none of the characters that would end or break a tag.</summary>
    private static bool IsPlainName(ReadOnlySpan<char> chars)
    {
        foreach (var ch in chars)
        {
            if (ch is '<' or '>' or '\'' or '"' or '&' or '=' or '/' || char.IsWhiteSpace(ch) || char.IsControl(ch) || char.IsSurrogate(ch) || ch is '\uFFFE' or '\uFFFF')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Name structure: next offset (u32), hash (u16), char count (u16), UTF-16 chars, NUL (u16).</summary>
    private string DecodeName(ReadOnlySpan<byte> chunk, int offset, out int length)
    {
        if (offset < 0 || offset >= chunk.Length)
        {
            throw new EvtxFormatException("name", offset, $"name offset {offset} is outside the chunk");
        }

        var c = new EvtxCursor(chunk, offset, chunk.Length);
        c.U32("name next offset");
        c.U16("name hash");
        int count = c.U16("name length");
        var chars = EvtxValues.Utf16(c.Bytes(count * 2, "name"));
        c.U16("name terminator");
        length = c.Position - offset;
        var interned = _internedNames.GetAlternateLookup<ReadOnlySpan<char>>();
        if (interned.TryGetValue(chars, out var known))
        {
            return known;
        }

        // A damaged name (a flipped bit, an overwritten string) does not cost the record, as it
        // does not in evtxexport: the name is written with each character XML does not allow in
        // a name encoded as XmlConvert.EncodeName does (_xHHHH_), so the XML stays well formed
        // and the damage stays visible, and the caller reports it. Such names are not interned.
        if (chars.IsEmpty)
        {
            DamagedName = (offset, "_");
            return "_";
        }

        if (!IsPlainName(chars))
        {
            var written = System.Xml.XmlConvert.EncodeName(new string(chars));
            if (!IsPlainName(written))
            {
                // EncodeName leaves characters such as U+FFFF alone: hex every one outside ASCII letters and digits.
                var sb = new System.Text.StringBuilder();
                foreach (var ch in chars)
                {
                    sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.' || (ch > 0x7f && char.IsLetterOrDigit(ch)) ? ch.ToString() : $"_x{(int)ch:X4}_");
                }

                written = char.IsAsciiDigit(sb[0]) || sb[0] is '-' or '.' ? "_" + sb : sb.ToString();
            }

            DamagedName = (offset, written);
            return written;
        }

        if (_internedNames.Count >= MaxInternedNames)
        {
            _internedNames.Clear();
        }

        var name = new string(chars);
        _internedNames[name] = name;
        return name;
    }
}
