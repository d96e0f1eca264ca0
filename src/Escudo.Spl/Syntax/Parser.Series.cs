using System.Globalization;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Syntax;

internal sealed partial class Parser
{
    /// <summary>A field, then an optional <c>AS newfield</c>.</summary>
    private (string Field, string? Alias) ParseFieldAs()
    {
        var field = ExpectName("a field name");
        string? alias = null;
        if (PeekW().IsWord("as"))
        {
            _pos = PeekW().End;
            alias = ExpectName("a name after `as`");
        }

        return (field, alias);
    }

    private Command ParseAccum(int start)
    {
        var (field, alias) = ParseFieldAs();
        ExpectCommandEnd("accum");
        return new AccumCommand(field, alias, Span(start));
    }

    private Command ParseDelta(int start)
    {
        var options = ParseOptions();
        var (field, alias) = ParseFieldAs();
        options.AddRange(ParseOptions());
        ExpectCommandEnd("delta");
        var p = 1;
        if (Option(options, "p") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p < 1))
        {
            throw Error(SplDiagnostics.BadArguments("delta", Span(start), $"p must be a whole number of results back, 1 or more, not `{text}`"));
        }

        return new DeltaCommand(field, alias, p, Span(start));
    }

    private Command ParseAutoregress(int start)
    {
        var options = ParseOptions();
        var (field, alias) = ParseFieldAs();
        options.AddRange(ParseOptions());
        ExpectCommandEnd("autoregress");
        int from = 1, to = 1;
        if (Option(options, "p") is { } text)
        {
            var dash = text.IndexOf('-', StringComparison.Ordinal);
            var ok = dash < 0
                ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out from) && (to = from) > 0
                : int.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out from) && int.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out to) && from > 0 && to >= from;
            if (!ok || to > 10_000)
            {
                throw Error(SplDiagnostics.BadArguments("autoregress", Span(start), $"p must be N or N-M with 1 <= N <= M <= 10000, not `{text}`"));
            }
        }

        if (alias is not null && from != to)
        {
            throw Error(SplDiagnostics.BadArguments("autoregress", Span(start), "AS names one field; with a range p=N-M the fields are named <field>_p<N>..."));
        }

        return new AutoregressCommand(field, alias, from, to, Span(start));
    }

    private Command ParseNomv(int start)
    {
        var field = ExpectName("a field name");
        ExpectCommandEnd("nomv");
        return new NomvCommand(field, Span(start));
    }

    private Command ParseUntable(int start)
    {
        var x = ExpectName("the x field");
        var name = ExpectName("the field to hold the column names");
        var data = ExpectName("the field to hold the values");
        ExpectCommandEnd("untable");
        return new UntableCommand(x, name, data, Span(start));
    }

    private Command ParseXySeries(int start)
    {
        var options = ParseOptions();
        var x = ExpectName("the x field");
        var name = ExpectName("the field whose values name the columns");
        var data = ExpectName("the field holding the values");
        options.AddRange(ParseOptions());
        ExpectCommandEnd("xyseries");
        if (options.Count > 0)
        {
            // grouped=, sep= and format= shape several data fields into column names; only one is supported.
            throw Error(SplDiagnostics.BadArguments("xyseries", options[0].Span, $"option `{options[0].Key}` is not supported"));
        }
        return new XySeriesCommand(x, name, data, Span(start));
    }

    /// <summary>makecontinuous [&lt;field&gt;] &lt;bins-options&gt;... (the field defaults to _time).</summary>
    private Command ParseMakeContinuous(int start)
    {
        var options = ParseOptions();
        var field = "_time";
        if (PeekW().Kind == TokenKind.Word)
        {
            field = ExpectName("a field name");
        }

        options.AddRange(ParseOptions());
        ExpectCommandEnd("makecontinuous");
        return new MakeContinuousCommand(field, options, Span(start));
    }
}
