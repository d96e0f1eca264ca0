using Escudo.Core.Text;

namespace Escudo.Spl.Syntax.Ast;

// The command nodes. Each is an immutable record holding exactly what its command's syntax
// allows; semantics live in the operators under Execution/Operators.

internal sealed record SearchCommand(SearchExpr Expr, TextSpan Span) : Command("search", Span);

internal sealed record WhereCommand(Expr Predicate, TextSpan Span) : Command("where", Span);

internal sealed record EvalCommand(IReadOnlyList<EvalAssignment> Assignments, TextSpan Span) : Command("eval", Span);

internal sealed record EvalAssignment(string Field, Expr Value, TextSpan Span)
{
    /// <summary>For <c>{name}=...</c>: the field whose value names the field assigned (eval's curly-bracket syntax).</summary>
    public string? TargetFromField => Field.Length > 2 && Field[0] == '{' && Field[^1] == '}' ? Field[1..^1] : null;
}

/// <summary>fieldformat &lt;field&gt;=&lt;eval-expression&gt;: how a field looks when the results render.</summary>
internal sealed record FieldFormatCommand(EvalAssignment Assignment, TextSpan Span) : Command("fieldformat", Span);

/// <summary>stats, eventstats, streamstats, and the aggregation part of top/rare-free commands.</summary>
internal sealed record StatsCommand(string Kind, IReadOnlyList<Aggregation> Aggregations, IReadOnlyList<string> By, IReadOnlyList<CommandOption> Options, TextSpan Span) : Command(Kind, Span);

internal sealed record TstatsCommand(
    IReadOnlyList<CommandOption> Options,
    IReadOnlyList<Aggregation> Aggregations,
    string? DataModel,
    SearchExpr? Where,
    IReadOnlyList<string> By,
    string? Span_,
    TextSpan Span) : Command("tstats", Span);

internal sealed record ConvertCommand(string? TimeFormat, IReadOnlyList<ConvertFunction> Functions, TextSpan Span) : Command("convert", Span);

internal sealed record ConvertFunction(string Function, string Field, string? Alias);

internal sealed record RenameCommand(IReadOnlyList<FieldAlias> Renames, TextSpan Span) : Command("rename", Span);

internal sealed record TableCommand(IReadOnlyList<string> Fields, TextSpan Span) : Command("table", Span);

internal sealed record FieldsCommand(bool Remove, IReadOnlyList<string> Fields, TextSpan Span) : Command("fields", Span);

internal sealed record HeadCommand(int Count, Expr? Predicate, TextSpan Span) : Command("head", Span)
{
    /// <summary>keeplast=true: the result that ended the expression's run is kept too.</summary>
    public bool KeepLast { get; init; }

    /// <summary>null=true: a result whose expression is NULL is returned and the run goes on.</summary>
    public bool NullPasses { get; init; }
}

internal sealed record TailCommand(int Count, TextSpan Span) : Command("tail", Span);

internal sealed record SortKey(string Field, bool Descending, string? Type);

internal sealed record SortCommand(int Limit, IReadOnlyList<SortKey> Keys, bool Reverse, TextSpan Span) : Command("sort", Span);

internal sealed record DedupCommand(int Count, IReadOnlyList<string> Fields, bool KeepEmpty, bool Consecutive, IReadOnlyList<SortKey> SortBy, TextSpan Span) : Command("dedup", Span);

internal sealed record LookupCommand(string Table, IReadOnlyList<FieldAlias> Inputs, IReadOnlyList<FieldAlias> Outputs, bool OutputNew, IReadOnlyList<CommandOption> Options, TextSpan Span) : Command("lookup", Span)
{
    /// <summary>Where the table name is written, for a diagnostic about the table.</summary>
    public TextSpan TableSpan { get; init; } = Span;
}

internal sealed record InputLookupCommand(string Table, bool Append, SearchExpr? Where, IReadOnlyList<CommandOption> Options, TextSpan Span) : Command("inputlookup", Span)
{
    /// <summary>Where the table name is written, for a diagnostic about the table.</summary>
    public TextSpan TableSpan { get; init; } = Span;
}

internal sealed record RexCommand(string Field, string Pattern, int MaxMatch, bool SedMode, TextSpan Span) : Command("rex", Span)
{
    /// <summary>offset_field=: the field that gets "group=start-end" of the match.</summary>
    public string? OffsetField { get; init; }

    public TextSpan OffsetSpan { get; init; }
}

internal sealed record RegexCommand(string Field, bool Negate, string Pattern, TextSpan Span) : Command("regex", Span);

/// <summary>bin/bucket: with <see cref="SpanText"/> a fixed width; without it a power of ten inferred from the values, at most <see cref="MaxBins"/> bins (default 100) over the values widened to <see cref="Start"/>/<see cref="End"/>.</summary>
internal sealed record BinCommand(string Field, string? Alias, string? SpanText, TextSpan Span) : Command("bin", Span)
{
    public int? MaxBins { get; init; }

    public double? Start { get; init; }

    public double? End { get; init; }
}

internal sealed record FillNullCommand(string Value, IReadOnlyList<string> Fields, TextSpan Span) : Command("fillnull", Span);

internal sealed record MakeResultsCommand(int Count, TextSpan Span) : Command("makeresults", Span);

internal sealed record JoinCommand(string Type, int Max, IReadOnlyList<string> Fields, Pipeline Subsearch, TextSpan Span) : Command("join", Span)
{
    /// <summary>overwrite=false keeps the main result's value where both sides have the field.</summary>
    public bool Overwrite { get; init; } = true;
}

internal sealed record AppendCommand(Pipeline Subsearch, TextSpan Span) : Command("append", Span);

internal sealed record AppendPipeCommand(Pipeline Subpipeline, TextSpan Span) : Command("appendpipe", Span);

internal sealed record MvExpandCommand(string Field, int? Limit, TextSpan Span) : Command("mvexpand", Span);

internal sealed record MakeMvCommand(string Field, string? Delimiter, string? Tokenizer, bool AllowEmpty, TextSpan Span) : Command("makemv", Span);

internal sealed record TopCommand(bool Rare, int Limit, IReadOnlyList<string> Fields, IReadOnlyList<string> By, string CountField, string PercentField, bool ShowCount, bool ShowPercent, TextSpan Span) : Command(Rare ? "rare" : "top", Span);

internal sealed record ReverseCommand(TextSpan Span) : Command("reverse", Span);

internal sealed record UniqCommand(TextSpan Span) : Command("uniq", Span);

internal sealed record SpathCommand(string Input, string? Output, string? Path, TextSpan Span) : Command("spath", Span);

internal sealed record XmlKvCommand(string Field, TextSpan Span) : Command("xmlkv", Span);

internal sealed record TransactionCommand(IReadOnlyList<string> Fields, double? MaxSpan, double? MaxPause, int? MaxEvents, string? StartsWith, string? EndsWith, bool KeepEvicted, TextSpan Span) : Command("transaction", Span)
{
    /// <summary>mvlist=true: field values listed per event in arrival order, duplicates kept.</summary>
    public bool MvList { get; init; }
}

internal sealed record MapCommand(string Search, int MaxSearches, TextSpan Span) : Command("map", Span);

internal sealed record AddTotalsCommand(IReadOnlyList<string> Fields, bool Row, bool Col, string FieldName, TextSpan Span) : Command("addtotals", Span)
{
    /// <summary>col=true: the field of the summary result that holds <see cref="Label"/>, if any.</summary>
    public string? LabelField { get; init; }

    public string Label { get; init; } = "Total";
}

internal sealed record ReplaceCommand(IReadOnlyList<(string From, string To)> Pairs, IReadOnlyList<string> Fields, TextSpan Span) : Command("replace", Span);

/// <summary><c>| from datamodel:X.Y</c>, <c>| from datamodel X.Y</c> and <c>| datamodel X Y search</c>: the data model's rows as events.</summary>
internal sealed record FromDataModelCommand(string DataModel, TextSpan Span) : Command("from", Span);

internal sealed record ForeachCommand(IReadOnlyList<string> Patterns, string Template, TextSpan Span) : Command("foreach", Span);

/// <summary><c>timechart [span=..] [limit=..] aggregations [by field]</c>.</summary>
internal sealed record TimechartCommand(IReadOnlyList<Aggregation> Aggregations, string? By, string? SpanText, int Limit, TextSpan Span) : Command("timechart", Span);
