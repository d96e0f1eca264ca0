namespace Escudo.Ingest.Evtx;

/// <summary>Values and substitutions: written as element content or attribute values, embedded binary XML, array values as repeated elements.</summary>
internal sealed partial class BinXmlRenderer
{
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

    private void EmitValue(byte type, ReadOnlySpan<byte> bytes)
    {
        if (_inAttr)
        {
            EvtxValues.Append(_sb, type, bytes, attribute: true);
            return;
        }

        var top = _elemDepth - 1;
        var before = _sb.Length;
        var state = top >= 0 ? _open[top].State : ElementState.Content;
        BeginContent();
        var afterOpen = _sb.Length;
        EvtxValues.Append(_sb, type, bytes, attribute: false);
        if (_sb.Length == afterOpen && top >= 0 && state != ElementState.Content)
        {
            // Nothing rendered: undo the ">" so the element can still self-close.
            _sb.Length = before;
            _open[top].State = state;
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
        var state = top >= 0 ? _open[top].State : ElementState.Content;
        BeginContent();
        var afterOpen = _sb.Length;
        _sb.Append(text);
        if (_sb.Length == afterOpen && top >= 0 && state != ElementState.Content)
        {
            // Nothing rendered: undo the ">" so the element can still self-close.
            _sb.Length = before;
            _open[top].State = state;
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
            else if (top >= 0 && _open[top].State == ElementState.Pending && optional)
            {
                _open[top].DropIfEmpty = true;
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

        if (!_inAttr && (s.Type & EvtxValueType.ArrayFlag) != 0 && top >= 0 && _open[top].State == ElementState.Pending)
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
        var tag = _sb.ToString(_open[top].Start, _sb.Length - _open[top].Start);
        var name = _open[top].Name;
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
                    _open[top].Span = _spanCount - 1;
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
                _spans[_open[top].Span].ContentEnd = _sb.Length;
            }

            _sb.Append("</").Append(name).Append('>');
            if (_sb.Length > MaxCharsPerRecord)
            {
                throw new EvtxFormatException("array value", 0, "the event expands beyond the size limit");
            }
        }

        _open[top].State = count > 0 ? ElementState.Repeated : _open[top].State;
    }
}
