namespace Escudo.Ingest.Evtx;

/// <summary>
/// Renders an EVTX binary XML token stream straight to XML text (single-quoted attributes, one
/// line, empty elements self-closed), expanding template instances with their substitution
/// values. It walks the chunk bytes directly: template bodies are located once per chunk (by
/// their chunk-relative offset) and names are decoded once per chunk, so a record costs one
/// pass over its template body plus its values. One instance serves one reader; call
/// <see cref="ResetChunk"/> when moving to another chunk.
/// </summary>
internal sealed class BinXmlRenderer
{
    private const int MaxNesting = 24;          // template instances / nested binary XML
    private const int MaxElementDepth = 256;
    private const int MaxTokensPerRecord = 1 << 20;
    private const int MaxCharsPerRecord = 16 << 20;
    private const int MaxSubstitutions = 1 << 16;

    private const byte StateInStartTag = 0;     // "<Name attr='..'" written, no CloseStartElement yet
    private const byte StatePending = 1;        // start tag closed but ">" not yet written (no content so far)
    private const byte StateContent = 2;        // ">" written
    private const byte StateRepeated = 3;       // element already written once per array item; its end tag is done

    private readonly CharBuilder _sb = new(4096);
    private readonly CharBuilder _scratch = new(256);
    private readonly ChunkOffsetCache<(string Name, int Length)> _names = new();

    // Chunks of a file (and files of a set) share the same few dozen names; interning them by
    // content skips validating and allocating each name again in every chunk. Bounded so hostile
    // input with endless distinct names cannot grow it without limit.
    private const int MaxInternedNames = 4096;
    private readonly Dictionary<string, string> _internedNames = new(StringComparer.Ordinal);
    private readonly ChunkOffsetCache<TemplateBody> _templates = new();

    // Compiled template bodies (see CompileTemplate). The same templates come back in every chunk
    // (and file) of a log, so they are kept across chunks, by template GUID and size, and reused
    // when the body's bytes are the same. Bounded: hostile input with endless distinct templates
    // starts the set again, and a chunk compiles at most a few chunks' worth of bodies.
    private const int MaxSharedTemplateBytes = 4 << 20; // the 775 templates of the sample logs together count 2.6 MiB
    private const int MaxCompiledBytesPerChunk = 4 * EvtxFile.ChunkSize;
    private readonly Dictionary<(ulong, ulong, int), CompiledTemplate> _shared = [];
    private int _sharedBytes;
    private int _compiledThisChunk;
    private Substitution[] _subs = new Substitution[256];
    private int _subTop;
    private readonly string[] _elemNames = new string[MaxElementDepth];
    private readonly byte[] _elemState = new byte[MaxElementDepth];
    private readonly int[] _elemStart = new int[MaxElementDepth];     // where "<Name" starts in the output
    private readonly int[] _elemRestore = new int[MaxElementDepth];   // output length before the parent's ">" was written for this element, or -1
    private readonly bool[] _elemDropIfEmpty = new bool[MaxElementDepth];
    private int _elemDepth;
    private bool _inAttr;
    private int _attrStart;
    private int _attrValueStart;
    private bool _attrOptionalEmpty;
    private int _tokens;

    // Element spans in the output, recorded while rendering when CollectElements is on, so the
    // Windows fields can be cut from the finished XML without scanning it again.
    private ElementSpan[] _spans = new ElementSpan[64];
    private int _spanCount;
    private readonly int[] _elemSpan = new int[MaxElementDepth];
    private bool _unusual;

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

    private record struct Substitution(byte Type, int Offset, int Size);

    /// <summary>
    /// A template definition's body in the chunk and, once compiled, its ops; <see cref="Interpret"/>
    /// when the body has tokens the ops do not cover (or was over the compile budget).
    /// </summary>
    private record struct TemplateBody(int Start, int End, CompiledTemplate? Compiled, bool Interpret);

    /// <summary>
    /// A template body read into ops. Positions in the ops are relative to the body's start, so
    /// the ops serve the same template wherever a chunk holds it.
    /// </summary>
    private sealed class CompiledTemplate(byte[] body, (int Field, string? Referenced)[] nameFields, TemplateOp[] ops)
    {
        /// <summary>The body it was compiled from.</summary>
        public readonly byte[] Body = body;

        /// <summary>
        /// Where the body refers to its names: the name offsets depend on where the chunk holds
        /// the body (and, for a name inline in the body, so does the name's own next-name offset
        /// after it); a name stored elsewhere in the chunk is given (<c>Referenced</c>) to be checked there.
        /// </summary>
        public readonly (int Field, string? Referenced)[] NameFields = nameFields;

        public readonly TemplateOp[] Ops = ops;
    }

    private const byte OpEndOfFragment = 0;
    private const byte OpStartElement = 1;
    private const byte OpCloseStart = 2;
    private const byte OpCloseEmpty = 3;
    private const byte OpEndElement = 4;
    private const byte OpValue = 5;
    private const byte OpAttribute = 6;
    private const byte OpSubstitution = 7;
    private const byte OpNothing = 8;

    /// <summary>
    /// One token of a template body with its operands already read: names resolved, values
    /// rendered. <see cref="Position"/> is the token's offset from the body's start, for the errors
    /// the token can raise.
    /// </summary>
    private struct TemplateOp
    {
        public string? Name;
        public string? Text;            // value: rendered for element content
        public string? AttributeText;   // value: rendered for an attribute (the same string when no quote needs escaping)
        public int Position;
        public int Offset;      // start element: end of its header (from the body's start); substitution: its index
        public byte Kind;
        public bool Optional;   // optional substitution
    }

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
            throw new EvtxFormatException("binary XML", c.Position, $"the event ends with {_elemDepth} element(s) still open ({_elemNames[_elemDepth - 1]})");
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

                        break;
                    }

                case 0x08:
                case 0x48:
                    {
                        int code = c.U16("character reference");
                        if (!_inAttr)
                        {
                            BeginContent();
                        }

                        _sb.Append("&#");
                        EvtxValues.AppendSigned(_sb, code);
                        _sb.Append(';');
                        break;
                    }

                case 0x09:
                case 0x49:
                    {
                        var name = ReadName(ref c, chunk);
                        if (!_inAttr)
                        {
                            BeginContent();
                        }

                        _sb.Append('&').Append(name).Append(';');
                        break;
                    }

                case 0x0a:
                    {
                        EndAttribute();
                        var name = ReadName(ref c, chunk);
                        BeginContent();
                        _unusual = true;
                        _sb.Append("<?").Append(name);
                        break;
                    }

                case 0x0b:
                    {
                        int count = c.U16("PI data length");
                        var text = EvtxValues.Utf16(c.Bytes(count * 2, "PI data"));
                        if (!text.IsEmpty)
                        {
                            _sb.Append(' ').Append(text);
                        }

                        _sb.Append("?>");
                        break;
                    }

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

    private void CloseStartElement(int tokenOffset)
    {
        EndAttribute();
        if (_elemDepth == 0)
        {
            throw new EvtxFormatException("close start element", tokenOffset, "no element is open");
        }

        _elemState[_elemDepth - 1] = StatePending;
    }

    private void CloseEmptyElement(int tokenOffset)
    {
        EndAttribute();
        if (_elemDepth == 0)
        {
            throw new EvtxFormatException("close empty element", tokenOffset, "no element is open");
        }

        SpanSelfClosed(_elemDepth - 1);
        _sb.Append("/>");
        _elemDepth--;
    }

    private void EndElement(int tokenOffset)
    {
        EndAttribute();
        if (_elemDepth == 0)
        {
            throw new EvtxFormatException("end element", tokenOffset, "no element is open");
        }

        _elemDepth--;
        if (_elemState[_elemDepth] == StateContent)
        {
            if (CollectElements)
            {
                _spans[_elemSpan[_elemDepth]].ContentEnd = _sb.Length;
            }

            _sb.Append("</").Append(_elemNames[_elemDepth]).Append('>');
        }
        else if (_elemState[_elemDepth] == StateRepeated)
        {
            // end tags were written with each array item
        }
        else if (_elemDropIfEmpty[_elemDepth])
        {
            // Its only content was an optional substitution without a value: Windows
            // leaves the element out (e.g. <Binary> of classic events without data).
            DropElement(_elemDepth);
        }
        else
        {
            SpanSelfClosed(_elemDepth);
            _sb.Append("/>");
        }
    }

    /// <summary>An attribute token: ends the previous attribute and checks a start tag is open (before its name is read).</summary>
    private void CheckAttribute(int tokenOffset)
    {
        EndAttribute();
        if (_elemDepth == 0 || _elemState[_elemDepth - 1] != StateInStartTag)
        {
            throw new EvtxFormatException("attribute", tokenOffset, "attribute outside a start tag");
        }
    }

    private void StartAttribute(string name)
    {
        _attrStart = _sb.Length;
        _sb.Append(' ').Append(name).Append("='");
        _attrValueStart = _sb.Length;
        _inAttr = true;
        _attrOptionalEmpty = false;
    }

    private void SubstitutionToken(ReadOnlySpan<byte> chunk, int index, bool optional, int subBase, int subCount, int nesting)
    {
        if (index < subCount)
        {
            EmitSubstitution(chunk, _subs[subBase + index], optional, nesting);
        }
        else if (optional && _inAttr)
        {
            _attrOptionalEmpty = true;
        }
    }

    private void OpenStartElement(ref EvtxCursor c, ReadOnlySpan<byte> chunk, bool hasAttributes, bool inTemplate)
    {
        EndAttribute();

        // Template definitions put a 16-bit dependency id before the element's data size; elements
        // written directly in a record (no template) or in embedded binary XML values do not. Outside
        // templates, accept the id when only that reading puts an inline name where it belongs.
        var hasDependencyId = inTemplate;
        if (!inTemplate && c.Remaining >= 10)
        {
            var p = c.Position;
            var nameWithout = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(c.Data[(p + 4)..]);
            var nameWith = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(c.Data[(p + 6)..]);
            hasDependencyId = nameWith == (uint)(p + 10) && nameWithout != (uint)(p + 8);
        }

        if (hasDependencyId)
        {
            c.U16("element dependency id");
        }

        c.U32("element data size");
        var name = ReadName(ref c, chunk);
        if (hasAttributes)
        {
            c.U32("attribute list size");
        }

        StartElement(name, c.Position);
    }

    /// <summary>Writes the start of element <paramref name="name"/>, whose header ends at <paramref name="position"/>.</summary>
    private void StartElement(string name, int position)
    {
        if (_elemDepth >= MaxElementDepth)
        {
            throw new EvtxFormatException("element", position, $"elements nested deeper than {MaxElementDepth}");
        }

        var restore = -1;
        if (_elemDepth > 0 && _elemState[_elemDepth - 1] == StatePending)
        {
            restore = _sb.Length;
        }

        BeginContent();
        if (CollectElements)
        {
            AddSpan(name, _elemDepth, _sb.Length);
            _elemSpan[_elemDepth] = _spanCount - 1;
        }

        _elemStart[_elemDepth] = _sb.Length;
        _elemRestore[_elemDepth] = restore;
        _elemDropIfEmpty[_elemDepth] = false;
        _sb.Append('<').Append(name);
        _elemNames[_elemDepth] = name;
        _elemState[_elemDepth] = StateInStartTag;
        _elemDepth++;
    }

    private void AddSpan(string name, int depth, int tagStart)
    {
        if (depth > 0)
        {
            _spans[_elemSpan[depth - 1]].Children++;
        }

        if (_spanCount == _spans.Length)
        {
            Array.Resize(ref _spans, _spans.Length * 2);
        }

        _spans[_spanCount++] = new ElementSpan { Name = name, Depth = depth, TagStart = tagStart, TagEnd = -1, ContentEnd = -1 };
    }

    /// <summary>The start tag of open element <paramref name="index"/> ends with the "&gt;" about to be written.</summary>
    private void SpanTagEnd(int index)
    {
        if (CollectElements)
        {
            _spans[_elemSpan[index]].TagEnd = _sb.Length;
        }
    }

    /// <summary>Open element <paramref name="index"/> is about to be closed with "/&gt;".</summary>
    private void SpanSelfClosed(int index)
    {
        if (CollectElements)
        {
            _spans[_elemSpan[index]].TagEnd = _sb.Length;
            _spans[_elemSpan[index]].ContentEnd = -1;
        }
    }

    /// <summary>Removes element <paramref name="index"/> (already popped) from the output.</summary>
    private void DropElement(int index)
    {
        if (CollectElements)
        {
            // A dropped element had no content, so its span is normally the last one: forget it.
            if (_elemSpan[index] == _spanCount - 1)
            {
                _spanCount--;
            }
            else
            {
                _spans[_elemSpan[index]].Dropped = true;
            }

            if (index > 0)
            {
                _spans[_elemSpan[index - 1]].Children--;
            }
        }

        if (_elemRestore[index] >= 0 && index > 0)
        {
            _sb.Length = _elemRestore[index];
            _elemState[index - 1] = StatePending;
        }
        else
        {
            _sb.Length = _elemStart[index];
        }
    }

    /// <summary>Before content: writes the pending ">" of the enclosing start tag.</summary>
    private void BeginContent()
    {
        if (_elemDepth > 0 && _elemState[_elemDepth - 1] != StateContent)
        {
            if (_elemState[_elemDepth - 1] == StatePending)
            {
                SpanTagEnd(_elemDepth - 1);
                _sb.Append('>');
                _elemState[_elemDepth - 1] = StateContent;
            }
            else if (_elemState[_elemDepth - 1] == StateInStartTag)
            {
                // Content before CloseStartElement (damaged input): close the tag so the output stays well formed.
                EndAttribute();
                SpanTagEnd(_elemDepth - 1);
                _sb.Append('>');
                _elemState[_elemDepth - 1] = StateContent;
            }
        }
    }

    private void EndAttribute()
    {
        if (!_inAttr)
        {
            return;
        }

        _inAttr = false;
        if (_sb.Length == _attrValueStart && _attrOptionalEmpty)
        {
            _sb.Length = _attrStart; // an optional substitution with no value drops the attribute
        }
        else
        {
            _sb.Append('\'');
        }
    }

    private void EmitValue(byte type, ReadOnlySpan<byte> bytes)
    {
        if (_inAttr)
        {
            EvtxValues.Append(_sb, type, bytes, attribute: true);
            return;
        }

        var top = _elemDepth - 1;
        var before = _sb.Length;
        var state = top >= 0 ? _elemState[top] : StateContent;
        BeginContent();
        var afterOpen = _sb.Length;
        EvtxValues.Append(_sb, type, bytes, attribute: false);
        if (_sb.Length == afterOpen && top >= 0 && state != StateContent)
        {
            // Nothing rendered: undo the ">" so the element can still self-close.
            _sb.Length = before;
            _elemState[top] = state;
        }
    }

    /// <summary><see cref="EmitValue"/> for a value rendered beforehand.</summary>
    private void EmitText(string text, string attributeText)
    {
        if (_inAttr)
        {
            _sb.Append(attributeText);
            return;
        }

        var top = _elemDepth - 1;
        var before = _sb.Length;
        var state = top >= 0 ? _elemState[top] : StateContent;
        BeginContent();
        var afterOpen = _sb.Length;
        _sb.Append(text);
        if (_sb.Length == afterOpen && top >= 0 && state != StateContent)
        {
            // Nothing rendered: undo the ">" so the element can still self-close.
            _sb.Length = before;
            _elemState[top] = state;
        }
    }

    private void EmitSubstitution(ReadOnlySpan<byte> chunk, Substitution s, bool optional, int nesting)
    {
        var top = _elemDepth - 1;
        if (s.Type == EvtxValueType.Null || s.Size == 0)
        {
            if (_inAttr)
            {
                _attrOptionalEmpty |= optional;
            }
            else if (top >= 0 && _elemState[top] == StatePending && optional)
            {
                _elemDropIfEmpty[top] = true;
            }

            return;
        }

        var bytes = chunk.Slice(s.Offset, s.Size);
        if (s.Type == EvtxValueType.BinXml)
        {
            if (_inAttr)
            {
                return; // embedded XML cannot be an attribute value
            }

            var nested = new EvtxCursor(chunk, s.Offset, s.Offset + s.Size);
            var depth = _elemDepth;
            RenderFragment(ref nested, chunk, 0, 0, inTemplate: false, nesting + 1);
            EndAttribute();
            if (_elemDepth != depth)
            {
                throw new EvtxFormatException("embedded binary XML", s.Offset, "unbalanced elements in an embedded binary XML value");
            }

            return;
        }

        if (!_inAttr && (s.Type & EvtxValueType.ArrayFlag) != 0 && top >= 0 && _elemState[top] == StatePending)
        {
            EmitArrayElement(top, s.Type, bytes);
            return;
        }

        EmitValue(s.Type, bytes);
        if (_inAttr && optional && _sb.Length == _attrValueStart)
        {
            _attrOptionalEmpty = true;
        }
    }

    /// <summary>
    /// An array substitution as the content of an element: Windows writes the element once per
    /// item (&lt;Data&gt;a&lt;/Data&gt;&lt;Data&gt;b&lt;/Data&gt; in classic EventData).
    /// </summary>
    private void EmitArrayElement(int top, byte type, ReadOnlySpan<byte> bytes)
    {
        var tag = _sb.ToString(_elemStart[top], _sb.Length - _elemStart[top]);
        var name = _elemNames[top];
        var itemType = (byte)(type & 0x7f);
        var count = 0;
        var rest = bytes;
        while (!rest.IsEmpty)
        {
            ReadOnlySpan<byte> item;
            if (itemType == EvtxValueType.String)
            {
                var i = 0;
                while (i + 1 < rest.Length && (rest[i] | rest[i + 1]) != 0)
                {
                    i += 2;
                }

                item = rest[..Math.Min(i, rest.Length)];
                rest = rest[Math.Min(i + 2, rest.Length)..];
            }
            else if (itemType == EvtxValueType.AnsiString)
            {
                var nul = rest.IndexOf((byte)0);
                item = nul >= 0 ? rest[..nul] : rest;
                rest = nul >= 0 ? rest[(nul + 1)..] : [];
            }
            else if (itemType == EvtxValueType.Sid && rest.Length >= 8)
            {
                var len = Math.Min(rest.Length, 8 + (4 * rest[1]));
                item = rest[..len];
                rest = rest[len..];
            }
            else
            {
                var size = itemType == EvtxValueType.SizeT ? (bytes.Length % 8 == 0 ? 8 : 4) : EvtxValueType.FixedSize(itemType);
                if (size == 0 || size > rest.Length)
                {
                    item = rest;
                    rest = [];
                }
                else
                {
                    item = rest[..size];
                    rest = rest[size..];
                }
            }

            if (count++ > 0)
            {
                if (CollectElements)
                {
                    AddSpan(name, top, _sb.Length);
                    _elemSpan[top] = _spanCount - 1;
                }

                _sb.Append(tag);
            }

            SpanTagEnd(top);
            _sb.Append('>');
            if (itemType == EvtxValueType.String)
            {
                EvtxValues.AppendEscaped(_sb, EvtxValues.Utf16(item), attribute: false);
            }
            else
            {
                EvtxValues.Append(_sb, itemType, item, attribute: false);
            }

            if (CollectElements)
            {
                _spans[_elemSpan[top]].ContentEnd = _sb.Length;
            }

            _sb.Append("</").Append(name).Append('>');
            if (_sb.Length > MaxCharsPerRecord)
            {
                throw new EvtxFormatException("array value", 0, "the event expands beyond the size limit");
            }
        }

        _elemState[top] = count > 0 ? StateRepeated : _elemState[top];
    }

    private void TemplateInstance(ref EvtxCursor c, ReadOnlySpan<byte> chunk, int nesting)
    {
        var at = c.Position;
        c.U8("template instance");
        c.U32("template id");
        var defOffset = (int)Math.Min(c.U32("template definition offset"), int.MaxValue);
        TemplateBody body;
        if (defOffset == c.Position)
        {
            // Definition inline: it follows here and later records of the chunk may point to it.
            var (start, end) = ReadTemplateDefinition(ref c);
            if (!_templates.TryGet(defOffset, out body) || body.Start != start || body.End != end)
            {
                body = new TemplateBody(start, end, null, false);
                _templates.Set(defOffset, body);
            }
        }
        else if (!_templates.TryGet(defOffset, out body))
        {
            if (defOffset < 0 || defOffset >= chunk.Length)
            {
                throw new EvtxFormatException("template instance", at, $"template definition offset {defOffset} is outside the chunk");
            }

            var tc = new EvtxCursor(chunk, defOffset, chunk.Length);
            var (start, end) = ReadTemplateDefinition(ref tc);
            body = new TemplateBody(start, end, null, false);
            _templates.Set(defOffset, body);
        }

        var count = c.U32("substitution count");
        if (count > (uint)(c.Remaining / 4) || _subTop + count > MaxSubstitutions)
        {
            throw new EvtxFormatException("template instance", at, $"substitution count {count} does not fit in the record");
        }

        var n = (int)count;
        if (_subTop + n > _subs.Length)
        {
            Array.Resize(ref _subs, Math.Max(_subs.Length * 2, _subTop + n));
        }

        // The count check above keeps the descriptors (4 bytes each) inside the data.
        var subBase = _subTop;
        var descriptors = c.Bytes(4 * n, "substitution descriptors");
        var subs = _subs.AsSpan(subBase, n);
        for (var i = 0; i < subs.Length; i++)
        {
            var size = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(descriptors[(4 * i)..]);
            subs[i] = new Substitution(descriptors[(4 * i) + 2], c.Position, size);
            c.Skip(size, "substitution value");
        }

        _subTop += n;
        if (body.Compiled is null && !body.Interpret)
        {
            body = FindOrCompileTemplate(chunk, body);
            _templates.Set(defOffset, body);
        }

        if (body.Compiled is { } compiled)
        {
            RunTemplate(chunk, body.Start, compiled.Ops, subBase, n, nesting + 1);
        }
        else
        {
            var bc = new EvtxCursor(chunk, body.Start, body.End);
            RenderFragment(ref bc, chunk, subBase, n, inTemplate: true, nesting + 1);
        }

        _subTop = subBase;
    }

    /// <summary>
    /// The template body as ops, so the records that use the template replay its tokens without
    /// decoding them again (most records of a log share a handful of templates): the ops of the
    /// same body seen in an earlier chunk, or read now. The ops call the same rendering steps as
    /// <see cref="RenderFragment"/>, in the same order, so the output and the errors are the same;
    /// bodies holding tokens the ops do not cover (rare: CDATA, references, processing
    /// instructions, nested templates) or that do not read cleanly are left to
    /// <see cref="RenderFragment"/>, which reports the damage where it is.
    /// </summary>
    private TemplateBody FindOrCompileTemplate(ReadOnlySpan<byte> chunk, TemplateBody body)
    {
        // The definition's GUID and data size precede the body.
        var guid = chunk.Slice(body.Start - 20, 16);
        var key = (System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(guid), System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(guid[8..]), body.End - body.Start);
        if (_shared.TryGetValue(key, out var known) && Matches(known, chunk, body.Start, body.End))
        {
            return body with { Compiled = known };
        }

        _compiledThisChunk += body.End - body.Start;
        if (_compiledThisChunk > MaxCompiledBytesPerChunk)
        {
            return body with { Interpret = true };
        }

        var compiled = CompileTemplate(chunk, body);
        if (compiled is null)
        {
            return body with { Interpret = true };
        }

        if (_sharedBytes > MaxSharedTemplateBytes)
        {
            _shared.Clear();
            _sharedBytes = 0;
        }

        _shared[key] = compiled;
        _sharedBytes += compiled.Body.Length + (48 * compiled.Ops.Length); // about what an op takes
        return body with { Compiled = compiled };
    }

    /// <summary>
    /// Whether the body at chunk[start..end) reads as <paramref name="t"/>: the same bytes but for
    /// its name offsets, its inline names at the same places and its other names the same.
    /// </summary>
    private bool Matches(CompiledTemplate t, ReadOnlySpan<byte> chunk, int start, int end)
    {
        var body = chunk[start..end];
        if (body.Length != t.Body.Length)
        {
            return false;
        }

        var from = 0;
        foreach (var (field, referenced) in t.NameFields)
        {
            if (!body[from..field].SequenceEqual(t.Body.AsSpan(from, field - from)))
            {
                return false;
            }

            var offset = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(body[field..]);
            var inline = offset == (uint)(start + field + 4);
            if (referenced is null)
            {
                if (!inline)
                {
                    return false;
                }

                from = field + 8;
                continue;
            }

            if (inline || offset >= (uint)chunk.Length || !string.Equals(NameAt(chunk, (int)offset), referenced, StringComparison.Ordinal))
            {
                return false;
            }

            from = field + 4;
        }

        return body[from..].SequenceEqual(t.Body.AsSpan(from));
    }

    /// <summary>The name stored at <paramref name="offset"/> as <see cref="ReadName"/> reads it there, or null when it does not read.</summary>
    private string? NameAt(ReadOnlySpan<byte> chunk, int offset)
    {
        if (_names.TryGet(offset, out var cached))
        {
            return cached.Name;
        }

        try
        {
            var name = DecodeName(chunk, offset, out var length);
            _names.Set(offset, (name, length));
            return name;
        }
        catch (EvtxFormatException)
        {
            return null;
        }
    }

    /// <summary>Reads a template body once into ops (null when it cannot).</summary>
    private CompiledTemplate? CompileTemplate(ReadOnlySpan<byte> chunk, TemplateBody body)
    {
        var ops = new List<TemplateOp>(Math.Min(body.End - body.Start, 256));
        var nameFields = new List<(int, string?)>();
        try
        {
            var c = new EvtxCursor(chunk, body.Start, body.End);
            while (!c.AtEnd)
            {
                var op = new TemplateOp { Position = c.Position - body.Start };
                var token = c.U8("token");
                switch (token)
                {
                    case 0x00:
                        op.Kind = OpEndOfFragment;
                        break;
                    case 0x01:
                    case 0x41:
                        c.U16("element dependency id"); // always present in template definitions
                        c.U32("element data size");
                        op.Name = ReadBodyName(ref c, chunk, body.Start, nameFields);
                        if ((token & 0x40) != 0)
                        {
                            c.U32("attribute list size");
                        }

                        op.Kind = OpStartElement;
                        op.Offset = c.Position - body.Start;
                        break;
                    case 0x02:
                        op.Kind = OpCloseStart;
                        break;
                    case 0x03:
                        op.Kind = OpCloseEmpty;
                        break;
                    case 0x04:
                        op.Kind = OpEndElement;
                        break;
                    case 0x05:
                    case 0x45:
                        {
                            // Rendered now in both escapings (values render the same wherever
                            // they are), so replaying it is a copy.
                            op.Kind = OpValue;
                            var type = ReadValueToken(ref c, body.Start + op.Position, out var bytes);
                            _scratch.Clear();
                            EvtxValues.Append(_scratch, type, bytes, attribute: false);
                            op.Text = _scratch.ToString();
                            _scratch.Clear();
                            EvtxValues.Append(_scratch, type, bytes, attribute: true);
                            op.AttributeText = _scratch.Equals(op.Text.AsSpan()) ? op.Text : _scratch.ToString();
                            break;
                        }

                    case 0x06:
                    case 0x46:
                        op.Kind = OpAttribute;
                        op.Name = ReadBodyName(ref c, chunk, body.Start, nameFields);
                        break;
                    case 0x0d:
                    case 0x0e:
                        op.Kind = OpSubstitution;
                        op.Offset = c.U16("substitution index");
                        c.U8("substitution type");
                        op.Optional = token == 0x0e;
                        break;
                    case 0x0f:
                        c.Skip(3, "fragment header");
                        op.Kind = OpNothing;
                        break;
                    default:
                        return null;
                }

                ops.Add(op);
                if (token == 0x00)
                {
                    break; // the fragment ends here; RenderFragment reads no further either
                }
            }
        }
        catch (EvtxFormatException)
        {
            return null;
        }

        // An empty body renders nothing: left to RenderFragment, which does the same.
        return ops.Count == 0 ? null : new CompiledTemplate(chunk[body.Start..body.End].ToArray(), [.. nameFields], [.. ops]);
    }

    /// <summary>Reads a name in a template body, noting where the body refers to it (see <see cref="CompiledTemplate.NameFields"/>).</summary>
    private string ReadBodyName(ref EvtxCursor c, ReadOnlySpan<byte> chunk, int bodyStart, List<(int, string?)> nameFields)
    {
        var field = c.Position;
        var name = ReadName(ref c, chunk);
        var inline = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(chunk[field..]) == (uint)(field + 4);
        nameFields.Add((field - bodyStart, inline ? null : name));
        return name;
    }

    /// <summary>Renders a compiled template body: <see cref="RenderFragment"/> step for step, without decoding.</summary>
    private void RunTemplate(ReadOnlySpan<byte> chunk, int start, TemplateOp[] ops, int subBase, int subCount, int nesting)
    {
        if (nesting > MaxNesting)
        {
            throw new EvtxFormatException("binary XML", start, $"nesting deeper than {MaxNesting} (template instances / embedded binary XML)");
        }

        foreach (ref readonly var op in ops.AsSpan())
        {
            if (++_tokens > MaxTokensPerRecord || _sb.Length > MaxCharsPerRecord)
            {
                throw new EvtxFormatException("binary XML", start + op.Position, "the event expands beyond the size limit");
            }

            switch (op.Kind)
            {
                case OpEndOfFragment:
                    return;
                case OpStartElement:
                    EndAttribute();
                    StartElement(op.Name!, start + op.Offset);
                    break;
                case OpCloseStart:
                    CloseStartElement(start + op.Position);
                    break;
                case OpCloseEmpty:
                    CloseEmptyElement(start + op.Position);
                    break;
                case OpEndElement:
                    EndElement(start + op.Position);
                    break;
                case OpValue:
                    EmitText(op.Text!, op.AttributeText!);
                    break;
                case OpAttribute:
                    CheckAttribute(start + op.Position);
                    StartAttribute(op.Name!);
                    break;
                case OpSubstitution:
                    SubstitutionToken(chunk, op.Offset, op.Optional, subBase, subCount, nesting);
                    break;
                default:
                    break;
            }
        }
    }

    private static (int Start, int End) ReadTemplateDefinition(ref EvtxCursor c)
    {
        c.U32("template next offset");
        c.Skip(16, "template GUID");
        var size = c.U32("template data size");
        if (size > (uint)c.Remaining)
        {
            throw new EvtxFormatException("template definition", c.Position, $"template data size {size} runs past the end of the data ({c.Remaining} bytes left)");
        }

        var start = c.Position;
        c.Skip((int)size, "template body");
        return (start, c.Position);
    }

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
