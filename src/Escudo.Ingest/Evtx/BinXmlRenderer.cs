namespace Escudo.Ingest.Evtx;

/// <summary>
/// Renders an EVTX binary XML token stream straight to XML text (single-quoted attributes, one
/// line, empty elements self-closed), expanding template instances with their substitution
/// values. It walks the chunk bytes directly: template bodies are located once per chunk (by
/// their chunk-relative offset) and names are decoded once per chunk, so a record costs one
/// pass over its template body plus its values. One instance serves one reader; call
/// <see cref="ResetChunk"/> when moving to another chunk.
/// </summary>
internal sealed partial class BinXmlRenderer
{
    private const int MaxNesting = 24;          // template instances / nested binary XML
    private const int MaxElementDepth = 256;
    private const int MaxTokensPerRecord = 1 << 20;
    private const int MaxCharsPerRecord = 16 << 20;
    private const int MaxSubstitutions = 1 << 16;

    private readonly CharBuilder _sb = new(4096);
    private readonly CharBuilder _scratch = new(256);
    private int _tokens;

    /// <summary>Record <see cref="ElementSpan"/>s for <see cref="Spans"/> during <see cref="Render"/>.</summary>
    public bool CollectElements { get; set; }

    /// <summary>The elements of the last rendered event in document order (dropped ones flagged).</summary>
    public ReadOnlySpan<ElementSpan> Spans => _spans.AsSpan(0, _spanCount);

    /// <summary>The last event held CDATA or processing instructions, whose text the spans do not describe.</summary>
    public bool HasUnusualContent => _unusual;

    /// <summary>
    /// Set when rendering the last record decoded a damaged element or attribute name (written
    /// encoded, see <see cref="DecodeName"/>): what to report, with the name's chunk offset.
    /// </summary>
    public (int Offset, string Written)? DamagedName { get; private set; }

    private static readonly System.Collections.Concurrent.ConcurrentBag<BinXmlRenderer> Pool = [];

    /// <summary>
    /// A renderer from the process-wide pool: its caches (about 1 MiB once sized) and interned
    /// names are reused from file to file instead of being built again for each one.
    /// </summary>
    public static BinXmlRenderer Rent(bool collectElements)
    {
        var renderer = Pool.TryTake(out var pooled) ? pooled : new BinXmlRenderer();
        renderer.CollectElements = collectElements;
        return renderer;
    }

    public static void Return(BinXmlRenderer renderer)
    {
        if (Pool.Count >= 16)
        {
            return;
        }

        // A huge event must not stay pinned in a pooled builder.
        renderer._sb.Clear();
        if (renderer._sb.Capacity > 1 << 20)
        {
            renderer._sb.Reset(4096);
        }

        if (renderer._scratch.Capacity > 1 << 20)
        {
            renderer._scratch.Reset(256);
        }

        renderer._templates.Reset();

        Pool.Add(renderer);
    }

    public void ResetChunk()
    {
        _names.Reset();
        _templates.Reset();
        _compiledThisChunk = 0;
    }

    /// <summary>Renders the binary XML in chunk[start..end) (a record's event data) to a string.</summary>
    public string Render(ReadOnlySpan<byte> chunk, int start, int end)
    {
        _sb.Clear();
        _subTop = 0;
        _elemDepth = 0;
        _inAttr = false;
        _tokens = 0;
        _spanCount = 0;
        _unusual = false;
        DamagedName = null;
        var c = new EvtxCursor(chunk, start, end);
        RenderFragment(ref c, chunk, 0, 0, inTemplate: false, nesting: 0);
        EndAttribute();
        if (_elemDepth != 0)
        {
            throw new EvtxFormatException("binary XML", c.Position, $"the event ends with {_elemDepth} element(s) still open ({_open[_elemDepth - 1].Name})");
        }

        if (_sb.Length == 0)
        {
            throw new EvtxFormatException("binary XML", start, "the event renders no XML");
        }

        return _sb.ToString();
    }

    private void RenderFragment(ref EvtxCursor c, ReadOnlySpan<byte> chunk, int subBase, int subCount, bool inTemplate, int nesting)
    {
        if (nesting > MaxNesting)
        {
            throw new EvtxFormatException("binary XML", c.Position, $"nesting deeper than {MaxNesting} (template instances / embedded binary XML)");
        }

        while (!c.AtEnd)
        {
            if (++_tokens > MaxTokensPerRecord || _sb.Length > MaxCharsPerRecord)
            {
                throw new EvtxFormatException("binary XML", c.Position, "the event expands beyond the size limit");
            }

            var tokenOffset = c.Position;
            var token = c.U8("token");
            switch (token)
            {
                case 0x00: // end of fragment
                    return;
                case 0x01:
                case 0x41:
                    OpenStartElement(ref c, chunk, (token & 0x40) != 0, inTemplate);
                    break;
                case 0x02:
                    CloseStartElement(tokenOffset);
                    break;
                case 0x03:
                    CloseEmptyElement(tokenOffset);
                    break;
                case 0x04:
                    EndElement(tokenOffset);
                    break;
                case 0x05:
                case 0x45:
                    {
                        var type = ReadValueToken(ref c, tokenOffset, out var bytes);
                        EmitValue(type, bytes);
                        break;
                    }

                case 0x06:
                case 0x46:
                    CheckAttribute(tokenOffset);
                    StartAttribute(ReadName(ref c, chunk));
                    break;

                case 0x07:
                case 0x47:
                    CData(ref c);
                    break;
                case 0x08:
                case 0x48:
                    CharacterReference(ref c);
                    break;
                case 0x09:
                case 0x49:
                    EntityReference(ref c, chunk);
                    break;
                case 0x0a:
                    ProcessingInstructionTarget(ref c, chunk);
                    break;
                case 0x0b:
                    ProcessingInstructionData(ref c);
                    break;
                case 0x0c:
                    TemplateInstance(ref c, chunk, nesting);
                    break;
                case 0x0d:
                case 0x0e:
                    {
                        int index = c.U16("substitution index");
                        c.U8("substitution type");
                        SubstitutionToken(chunk, index, optional: token == 0x0e, subBase, subCount, nesting);
                        break;
                    }

                case 0x0f:
                    c.Skip(3, "fragment header");
                    break;
                default:
                    throw new EvtxFormatException("token", tokenOffset, $"unknown binary XML token 0x{token:x2}");
            }
        }
    }

    private void CData(ref EvtxCursor c)
    {
        int count = c.U16("CDATA length");
        var text = EvtxValues.Utf16(c.Bytes(count * 2, "CDATA"));
        if (_inAttr)
        {
            EvtxValues.AppendEscaped(_sb, text, attribute: true);
        }
        else
        {
            BeginContent();
            _unusual = true;
            _sb.Append("<![CDATA[").Append(text).Append("]]>");
        }
    }

    private void CharacterReference(ref EvtxCursor c)
    {
        int code = c.U16("character reference");
        if (!_inAttr)
        {
            BeginContent();
        }

        _sb.Append("&#");
        EvtxValues.AppendSigned(_sb, code);
        _sb.Append(';');
    }

    private void EntityReference(ref EvtxCursor c, ReadOnlySpan<byte> chunk)
    {
        var name = ReadName(ref c, chunk);
        if (!_inAttr)
        {
            BeginContent();
        }

        _sb.Append('&').Append(name).Append(';');
    }

    private void ProcessingInstructionTarget(ref EvtxCursor c, ReadOnlySpan<byte> chunk)
    {
        EndAttribute();
        var name = ReadName(ref c, chunk);
        BeginContent();
        _unusual = true;
        _sb.Append("<?").Append(name);
    }

    private void ProcessingInstructionData(ref EvtxCursor c)
    {
        int count = c.U16("PI data length");
        var text = EvtxValues.Utf16(c.Bytes(count * 2, "PI data"));
        if (!text.IsEmpty)
        {
            _sb.Append(' ').Append(text);
        }

        _sb.Append("?>");
    }

    /// <summary>Reads a value token after its token byte: returns the value type and its bytes.</summary>
    private static byte ReadValueToken(ref EvtxCursor c, int tokenOffset, out ReadOnlySpan<byte> bytes)
    {
        var type = c.U8("value type");
        if (type is EvtxValueType.String)
        {
            int count = c.U16("value string length");
            bytes = c.Bytes(count * 2, "value string");
        }
        else if (type is EvtxValueType.AnsiString or EvtxValueType.Binary)
        {
            int count = c.U16("value length");
            bytes = c.Bytes(count, "value bytes");
        }
        else
        {
            var size = EvtxValueType.FixedSize(type);
            if (size == 0)
            {
                throw new EvtxFormatException("value", tokenOffset, $"unsupported value type 0x{type:x2} in a value token");
            }

            bytes = c.Bytes(size, "value");
        }

        return type;
    }
}
