using System.Text;

namespace Escudo.Ingest.Sources;

/// <summary>
/// Reads lines like <see cref="TextReader.ReadLine"/> (ended by <c>\n</c>, <c>\r</c> or
/// <c>\r\n</c>), but never holds more than <c>maxChars</c> of one line: a longer line is skipped
/// while it is read, so a 4 GB line costs a 64 KB buffer, not 8 GB of string, and only its
/// length is reported.
/// </summary>
internal sealed class BoundedLineReader(TextReader reader, int maxChars)
{
    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _line = new();
    private int _pos;
    private int _len;
    private bool _eof;
    private bool _skipLineFeed;

    /// <summary>The number of the line last returned (1-based).</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// The next line: false at the end of the text. A line longer than the limit comes back as a
    /// null <paramref name="line"/> with its length in <paramref name="skippedChars"/>.
    /// </summary>
    public bool Next(out string? line, out long skippedChars)
    {
        _line.Clear();
        long length = 0;
        var any = false;
        while (true)
        {
            if (_pos == _len && !Fill())
            {
                if (!any)
                {
                    line = null;
                    skippedChars = 0;
                    return false;
                }

                return Finish(length, out line, out skippedChars);
            }

            if (_skipLineFeed)
            {
                _skipLineFeed = false;
                if (_buffer[_pos] == '\n')
                {
                    _pos++;
                    continue;
                }
            }

            any = true;
            var span = _buffer.AsSpan(_pos, _len - _pos);
            var end = span.IndexOfAny('\r', '\n');
            var take = end < 0 ? span.Length : end;
            if (length + take <= maxChars)
            {
                if (end >= 0 && _line.Length == 0)
                {
                    // The common case: the whole line is in the buffer, one string and no builder.
                    var whole = new string(span[..end]);
                    Consume(end, span[end]);
                    LineNumber++;
                    line = whole;
                    skippedChars = 0;
                    return true;
                }

                _line.Append(span[..take]);
            }

            length += take;
            if (end < 0)
            {
                _pos = _len;
                continue;
            }

            Consume(end, span[end]);
            return Finish(length, out line, out skippedChars);
        }
    }

    private bool Finish(long length, out string? line, out long skippedChars)
    {
        LineNumber++;
        if (length > maxChars)
        {
            line = null;
            skippedChars = length;
            return true;
        }

        line = _line.ToString();
        skippedChars = 0;
        return true;
    }

    private void Consume(int end, char terminator)
    {
        _pos += end + 1;
        _skipLineFeed = terminator == '\r';
    }

    private bool Fill()
    {
        if (_eof)
        {
            return false;
        }

        _len = reader.Read(_buffer, 0, _buffer.Length);
        _pos = 0;
        if (_len <= 0)
        {
            _len = 0;
            _eof = true;
            return false;
        }

        return true;
    }
}
