using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Escudo.Tests.Support;

namespace Escudo.Tests.Ingest.Evtx;

/// <summary>Shared helpers for the EVTX tests: data files, MANIFEST.tsv, evtxexport, XML normalisation.</summary>
internal static partial class EvtxTestSupport
{
    public static string Datasets => SharedData.Require("datasets");

    public static IReadOnlyList<string> AllEvtxFiles() =>
        Directory.EnumerateFiles(Datasets, "*.evtx", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToList();

    public static string Relative(string path) => Path.GetRelativePath(Datasets, path).Replace('\\', '/');

    /// <summary>MANIFEST.tsv rows for .evtx files: relative path, events column, whether evtxexport read nothing.</summary>
    public static IReadOnlyDictionary<string, (int? Events, bool EvtxexportReadNothing, string Histogram)> Manifest()
    {
        var result = new Dictionary<string, (int?, bool, string)>(StringComparer.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(Datasets, "MANIFEST.tsv"));
        var header = lines[0].Split('\t');
        var fileCol = Array.IndexOf(header, "file");
        var eventsCol = Array.IndexOf(header, "events");
        var histCol = Array.IndexOf(header, "eventid_histogram");
        foreach (var line in lines.Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length <= Math.Max(eventsCol, histCol) || !cols[fileCol].EndsWith(".evtx", StringComparison.Ordinal))
            {
                continue;
            }

            var readNothing = line.Contains("could not read any record", StringComparison.Ordinal);
            int? events = int.TryParse(cols[eventsCol], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && !readNothing ? n : null;
            result[cols[fileCol]] = (events, readNothing, cols[histCol]);
        }

        return result;
    }

    private static readonly Lazy<string?> EvtxexportPath = new(() =>
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "evtxexport");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    });

    public static string? Evtxexport => EvtxexportPath.Value;

    public const string EvtxexportInstall = "apt-get install -y libevtx-utils";

    /// <summary>
    /// Runs <c>evtxexport -f xml [-m mode]</c>; returns the events it prints and whether it gave up
    /// part way ("Unable to export file." on stderr: what it printed is then only a prefix).
    /// </summary>
    public static (List<XElement> Events, bool Aborted) RunEvtxexport(string file, string mode = "items")
    {
        var psi = new ProcessStartInfo(Evtxexport ?? throw new InvalidOperationException("evtxexport is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("xml");
        psi.ArgumentList.Add("-m");
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(file);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start evtxexport");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var aborted = stderr.Result.Contains("Unable to export", StringComparison.Ordinal);
        return (ParseEvents(stdout), aborted);
    }

    /// <summary>Parses concatenated &lt;Event&gt; elements (evtxexport output; a banner line before them is skipped).</summary>
    public static List<XElement> ParseEvents(string text)
    {
        var start = text.IndexOf("<Event", StringComparison.Ordinal);
        var events = new List<XElement>();
        if (start < 0)
        {
            return events;
        }

        var settings = new XmlReaderSettings { ConformanceLevel = ConformanceLevel.Fragment, CheckCharacters = false, IgnoreWhitespace = false };
        var body = EscapeControlChars(text[start..]);
        using var reader = XmlReader.Create(new StringReader(body), settings, ContextDeclaringPrefixes(body));
        reader.MoveToContent();
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                events.Add((XElement)XNode.ReadFrom(reader));
            }
            else
            {
                reader.Read();
            }
        }

        return events;
    }

    /// <summary>
    /// evtxexport copies string values holding markup (e.g. SOAP envelopes in LiveId events) into
    /// its output without escaping "&lt;", so they read back as elements. Do the same to a text-only
    /// element of ours when its text parses as XML, so the two compare.
    /// </summary>
    public static void ExpandMarkupText(XElement e)
    {
        foreach (var leaf in e.Descendants().Where(d => !d.HasElements && d.Value.StartsWith('<') && d.Value.EndsWith('>')).ToList())
        {
            try
            {
                var wrapped = ParseOne("<x>" + leaf.Value + "</x>");
                leaf.ReplaceNodes(wrapped.Nodes());
            }
            catch (XmlException)
            {
                // not markup after all
            }
        }
    }

    public static XElement ParseOne(string xml)
    {
        var settings = new XmlReaderSettings { CheckCharacters = false, ConformanceLevel = ConformanceLevel.Fragment };
        var body = EscapeControlChars(xml);
        using var reader = XmlReader.Create(new StringReader(body), settings, ContextDeclaringPrefixes(body));
        reader.MoveToContent();
        return (XElement)XNode.ReadFrom(reader);
    }

    /// <summary>Event XML may use prefixes it never declares (UserData payloads); declare them all.</summary>
    private static XmlParserContext ContextDeclaringPrefixes(string xml)
    {
        var nsm = new XmlNamespaceManager(new NameTable());
        foreach (Match m in PrefixRegex().Matches(xml))
        {
            var prefix = m.Groups[1].Value;
            if (prefix is not ("xml" or "xmlns") && nsm.LookupNamespace(prefix) is null)
            {
                nsm.AddNamespace(prefix, "urn:undeclared:" + prefix);
            }
        }

        return new XmlParserContext(null, nsm, null, XmlSpace.None);
    }

    /// <summary>
    /// Both evtxexport and Escudo copy control characters of event strings into the XML as they are,
    /// which XML 1.0 forbids; turn them into character references (accepted with CheckCharacters off).
    /// </summary>
    private static string EscapeControlChars(string xml)
    {
        if (!xml.AsSpan().ContainsAnyInRange('\0', '\u001f'))
        {
            return xml;
        }

        var sb = new StringBuilder(xml.Length + 64);
        foreach (var c in xml)
        {
            if (c < ' ' && c is not ('\t' or '\n' or '\r'))
            {
                sb.Append("&#x").Append(((int)c).ToString("X", CultureInfo.InvariantCulture)).Append(';');
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Flattens an event into lines "path@attr=value" / "path=text", normalising only presentation:
    /// hex padding and case, GUID case, time-fraction digits. evtxexport pretty-prints, so text that
    /// is only whitespace between elements is dropped.
    /// </summary>
    public static List<string> Flatten(XElement e)
    {
        var lines = new List<string>();
        Walk(e, "", lines);
        return lines;
    }

    private static void Walk(XElement e, string parent, List<string> lines)
    {
        var name = e.Name.LocalName;
        if (name == "RenderingInfo" && parent == "Event")
        {
            // Message strings rendered by the forwarding machine; evtxexport leaves them out.
            return;
        }

        var nameAttr = e.Attribute("Name");
        var path = parent.Length == 0 ? name : parent + "/" + name;
        if (nameAttr is not null && name == "Data")
        {
            path += "[" + nameAttr.Value + "]";
        }

        foreach (var a in e.Attributes())
        {
            if (a.IsNamespaceDeclaration || (a == nameAttr && name == "Data"))
            {
                continue;
            }

            lines.Add(path + "@" + a.Name.LocalName + "=" + NormaliseValue(a.Value));
        }

        var text = new StringBuilder();
        var hasElements = false;
        foreach (var n in e.Nodes())
        {
            switch (n)
            {
                case XElement child:
                    hasElements = true;
                    Walk(child, path, lines);
                    break;
                case XText t:
                    text.Append(t.Value);
                    break;
            }
        }

        var s = text.ToString();
        if (string.IsNullOrWhiteSpace(s))
        {
            s = ""; // evtxexport pretty-prints and writes whitespace-only values as empty elements
        }

        if (!hasElements || s.Length > 0)
        {
            lines.Add(path + "=" + NormaliseValue(s));
        }
    }

    public static string NormaliseValue(string v)
    {
        // Hex stays hex, only its padding and case are presentation: evtxexport pads HexInt to 16
        // digits where Windows (and Escudo) print 0x1f. A hex value never normalises to the same
        // text as a decimal one, so a HexInt rendered in decimal is a mismatch (see LinesAgree for
        // size_t, which evtxexport prints in decimal).
        if (HexRegex().IsMatch(v) && ulong.TryParse(v.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
        {
            return "0x" + hex.ToString("x", CultureInfo.InvariantCulture);
        }

        if (GuidRegex().IsMatch(v))
        {
            return v.ToUpperInvariant();
        }

        var m = TimeRegex().Match(v);
        if (m.Success)
        {
            return m.Groups[1].Value + "." + m.Groups[2].Value.PadRight(9, '0')[..9] + "Z";
        }

        return v.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether an Escudo record's flattened lines agree with evtxexport's, line by line, allowing
    /// one known difference only: evtxexport prints size_t in decimal where Windows and Escudo
    /// print 0x-prefixed hex, so a decimal reference value may match Escudo's hex of the same
    /// number. The reverse (Escudo decimal where evtxexport prints hex) is a mismatch.
    /// </summary>
    public static bool LinesAgree(IReadOnlyList<string> reference, IReadOnlyList<string> ours)
    {
        if (reference.Count != ours.Count)
        {
            return false;
        }

        for (var i = 0; i < reference.Count; i++)
        {
            if (!string.Equals(reference[i], ours[i], StringComparison.Ordinal) && !SizeTRenderedAsHex(reference[i], ours[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SizeTRenderedAsHex(string referenceLine, string ourLine)
    {
        var r = referenceLine.LastIndexOf('=');
        var o = ourLine.LastIndexOf('=');
        if (r < 0 || o < 0 || !referenceLine.AsSpan(0, r).SequenceEqual(ourLine.AsSpan(0, o)))
        {
            return false;
        }

        var refValue = referenceLine.AsSpan(r + 1);
        var ourValue = ourLine.AsSpan(o + 1);
        return ourValue.StartsWith("0x", StringComparison.Ordinal)
            && ulong.TryParse(refValue, NumberStyles.None, CultureInfo.InvariantCulture, out var dec)
            && ulong.TryParse(ourValue[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)
            && dec == hex;
    }

    [GeneratedRegex("[<\\s/]([A-Za-z_][\\w.-]*):[A-Za-z_]")]
    private static partial Regex PrefixRegex();

    [GeneratedRegex("^0x[0-9a-fA-F]{1,16}$")]
    private static partial Regex HexRegex();

    [GeneratedRegex("^\\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\}$")]
    private static partial Regex GuidRegex();

    [GeneratedRegex("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)\\.(\\d{1,9})Z$")]
    private static partial Regex TimeRegex();
}

/// <summary>A fact that is skipped, with the reason shown, when evtxexport (libevtx-utils) is not on PATH, except under CI, where it runs and fails.</summary>
public sealed class EvtxexportFactAttribute : FactAttribute
{
    public EvtxexportFactAttribute()
    {
        // Skipped only outside CI; under CI the test runs and fails on the missing tool.
        if (CiEnvironment.SkipReasonForMissingTool("evtxexport", EvtxTestSupport.Evtxexport, EvtxTestSupport.EvtxexportInstall, Environment.GetEnvironmentVariable("CI")) is { } reason)
        {
            Skip = reason;
        }
    }
}
