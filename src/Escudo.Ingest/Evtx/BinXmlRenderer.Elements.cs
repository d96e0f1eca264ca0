namespace Escudo.Ingest.Evtx;

/// <summary>The element walk: the stack of open elements, start tags, attributes and end tags, and the element spans recorded on the way.</summary>
internal sealed partial class BinXmlRenderer
{
    // One entry per open element, innermost last (_open[_elemDepth - 1]).
    private readonly OpenElement[] _open = new OpenElement[MaxElementDepth];
    private int _elemDepth;
    private bool _inAttr;
    private int _attrStart;
    private int _attrValueStart;
    private bool _attrOptionalEmpty;

    // Element spans in the output, recorded while rendering when CollectElements is on, so the
    // Windows fields can be cut from the finished XML without scanning it again.
    private ElementSpan[] _spans = new ElementSpan[64];
    private int _spanCount;
    private bool _unusual;

    /// <summary>Where an open element stands in the output.</summary>
    private enum ElementState : byte
    {
        /// <summary>"&lt;Name attr='..'" written, no CloseStartElement yet.</summary>
        InStartTag,

        /// <summary>Start tag closed but "&gt;" not yet written (no content so far).</summary>
        Pending,

        /// <summary>"&gt;" written.</summary>
        Content,

        /// <summary>Element already written once per array item; its end tag is done.</summary>
        Repeated,
    }

    /// <summary>An open element: its name, where it is in the output and what is still to be written for it.</summary>
    private struct OpenElement(string name, int start, int restore, int span)
    {
        public readonly string Name = name;

        /// <summary>Where "&lt;Name" starts in the output.</summary>
        public readonly int Start = start;

        /// <summary>Output length before the parent's "&gt;" was written for this element, or -1.</summary>
        public readonly int Restore = restore;

        /// <summary>Its entry in the spans (when collecting them); an array substitution moves it to each item's.</summary>
        public int Span = span;

        public ElementState State = ElementState.InStartTag;

        /// <summary>Its only content so far is an optional substitution without a value: left out if nothing follows.</summary>
        public bool DropIfEmpty;
    }

    private void CloseStartElement(int tokenOffset)
    {
        EndAttribute();
        if (_elemDepth == 0)
        {
            throw new EvtxFormatException("close start element", tokenOffset, "no element is open");
        }

        _open[_elemDepth - 1].State = ElementState.Pending;
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
        ref readonly var element = ref _open[_elemDepth];
        if (element.State == ElementState.Content)
        {
            if (CollectElements)
            {
                _spans[element.Span].ContentEnd = _sb.Length;
            }

            _sb.Append("</").Append(element.Name).Append('>');
        }
        else if (element.State == ElementState.Repeated)
        {
            // end tags were written with each array item
        }
        else if (element.DropIfEmpty)
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
        if (_elemDepth == 0 || _open[_elemDepth - 1].State != ElementState.InStartTag)
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
        if (_elemDepth > 0 && _open[_elemDepth - 1].State == ElementState.Pending)
        {
            restore = _sb.Length;
        }

        BeginContent();
        var span = -1;
        if (CollectElements)
        {
            AddSpan(name, _elemDepth, _sb.Length);
            span = _spanCount - 1;
        }

        _open[_elemDepth] = new OpenElement(name, _sb.Length, restore, span);
        _sb.Append('<').Append(name);
        _elemDepth++;
    }

    private void AddSpan(string name, int depth, int tagStart)
    {
        if (depth > 0)
        {
            _spans[_open[depth - 1].Span].Children++;
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
            _spans[_open[index].Span].TagEnd = _sb.Length;
        }
    }

    /// <summary>Open element <paramref name="index"/> is about to be closed with "/&gt;".</summary>
    private void SpanSelfClosed(int index)
    {
        if (CollectElements)
        {
            _spans[_open[index].Span].TagEnd = _sb.Length;
            _spans[_open[index].Span].ContentEnd = -1;
        }
    }

    /// <summary>Removes element <paramref name="index"/> (already popped) from the output.</summary>
    private void DropElement(int index)
    {
        if (CollectElements)
        {
            // A dropped element had no content, so its span is normally the last one: forget it.
            if (_open[index].Span == _spanCount - 1)
            {
                _spanCount--;
            }
            else
            {
                _spans[_open[index].Span].Dropped = true;
            }

            if (index > 0)
            {
                _spans[_open[index - 1].Span].Children--;
            }
        }

        if (_open[index].Restore >= 0 && index > 0)
        {
            _sb.Length = _open[index].Restore;
            _open[index - 1].State = ElementState.Pending;
        }
        else
        {
            _sb.Length = _open[index].Start;
        }
    }

    /// <summary>Before content: writes the pending ">" of the enclosing start tag.</summary>
    private void BeginContent()
    {
        if (_elemDepth == 0)
        {
            return;
        }

        ref var top = ref _open[_elemDepth - 1];
        if (top.State == ElementState.Pending)
        {
            SpanTagEnd(_elemDepth - 1);
            _sb.Append('>');
            top.State = ElementState.Content;
        }
        else if (top.State == ElementState.InStartTag)
        {
            // Content before CloseStartElement (damaged input): close the tag so the output stays well formed.
            EndAttribute();
            SpanTagEnd(_elemDepth - 1);
            _sb.Append('>');
            top.State = ElementState.Content;
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
}
