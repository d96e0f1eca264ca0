namespace Escudo.Ingest.Evtx;

/// <summary>Template instances: their definitions in the chunk, their substitution values, and bodies compiled once to ops and replayed.</summary>
internal sealed partial class BinXmlRenderer
{
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

    private enum TemplateOpKind : byte
    {
        EndOfFragment,
        StartElement,
        CloseStart,
        CloseEmpty,
        EndElement,
        Value,
        Attribute,
        Substitution,
        Nothing,
    }

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
        public TemplateOpKind Kind;
        public bool Optional;   // optional substitution
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
                        op.Kind = TemplateOpKind.EndOfFragment;
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

                        op.Kind = TemplateOpKind.StartElement;
                        op.Offset = c.Position - body.Start;
                        break;
                    case 0x02:
                        op.Kind = TemplateOpKind.CloseStart;
                        break;
                    case 0x03:
                        op.Kind = TemplateOpKind.CloseEmpty;
                        break;
                    case 0x04:
                        op.Kind = TemplateOpKind.EndElement;
                        break;
                    case 0x05:
                    case 0x45:
                        {
                            // Rendered now in both escapings (values render the same wherever
                            // they are), so replaying it is a copy.
                            op.Kind = TemplateOpKind.Value;
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
                        op.Kind = TemplateOpKind.Attribute;
                        op.Name = ReadBodyName(ref c, chunk, body.Start, nameFields);
                        break;
                    case 0x0d:
                    case 0x0e:
                        op.Kind = TemplateOpKind.Substitution;
                        op.Offset = c.U16("substitution index");
                        c.U8("substitution type");
                        op.Optional = token == 0x0e;
                        break;
                    case 0x0f:
                        c.Skip(3, "fragment header");
                        op.Kind = TemplateOpKind.Nothing;
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
                case TemplateOpKind.EndOfFragment:
                    return;
                case TemplateOpKind.StartElement:
                    EndAttribute();
                    StartElement(op.Name!, start + op.Offset);
                    break;
                case TemplateOpKind.CloseStart:
                    CloseStartElement(start + op.Position);
                    break;
                case TemplateOpKind.CloseEmpty:
                    CloseEmptyElement(start + op.Position);
                    break;
                case TemplateOpKind.EndElement:
                    EndElement(start + op.Position);
                    break;
                case TemplateOpKind.Value:
                    EmitText(op.Text!, op.AttributeText!);
                    break;
                case TemplateOpKind.Attribute:
                    CheckAttribute(start + op.Position);
                    StartAttribute(op.Name!);
                    break;
                case TemplateOpKind.Substitution:
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
}
