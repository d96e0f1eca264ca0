using Escudo.Core.Text;

namespace Escudo.Spl.Syntax.Ast;

// Commands that read a field across consecutive results (accum, delta, autoregress), reshape a
// table (xyseries, untable) or flatten a multivalue field (nomv).

/// <summary><c>accum field [AS newfield]</c>.</summary>
internal sealed record AccumCommand(string Field, string? Alias, TextSpan Span) : Command("accum", Span);

/// <summary><c>delta field [AS newfield] [p=N]</c>.</summary>
internal sealed record DeltaCommand(string Field, string? Alias, int Period, TextSpan Span) : Command("delta", Span);

/// <summary><c>autoregress field [AS newfield] [p=N | p=N-M]</c>.</summary>
internal sealed record AutoregressCommand(string Field, string? Alias, int From, int To, TextSpan Span) : Command("autoregress", Span);

/// <summary><c>nomv field</c>.</summary>
internal sealed record NomvCommand(string Field, TextSpan Span) : Command("nomv", Span);

/// <summary><c>untable x-field y-name-field y-data-field</c>.</summary>
internal sealed record UntableCommand(string XField, string NameField, string DataField, TextSpan Span) : Command("untable", Span);

/// <summary><c>xyseries x-field y-name-field y-data-field</c>.</summary>
internal sealed record XySeriesCommand(string XField, string NameField, string DataField, TextSpan Span) : Command("xyseries", Span);

/// <summary>makecontinuous: the field's buckets made continuous (https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/makecontinuous).</summary>
internal sealed record MakeContinuousCommand(string Field, IReadOnlyList<CommandOption> Options, TextSpan Span) : Command("makecontinuous", Span);
