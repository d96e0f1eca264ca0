using System.CommandLine;
using Escudo.Cli.Commands;
using Escudo.Ingest.Sources;

namespace Escudo.Cli;

/// <summary>The `escudo` command line, per shared/CONTRACT.md.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Escudo: run Splunk ESCU detections (SPL) over Windows event logs, without Splunk.");
        root.Subcommands.Add(SearchCommand());
        root.Subcommands.Add(HuntCommand());
        root.Subcommands.Add(CheckCommand());
        root.Subcommands.Add(TestCommand());
        root.Subcommands.Add(ExportCommand());
        root.Subcommands.Add(DemoCommand());
        root.Subcommands.Add(ExplainCommand());
        root.Subcommands.Add(NewTestCommand());
        root.Subcommands.Add(ServeCommand.Create());
        // No response files: System.CommandLine would read `@d` (a Splunk time modifier, as in
        // `--earliest @d`) as "expand the file named d". Every argument reaches its option as text.
        return root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).Invoke();
    }

    private static Option<string[]> InputOption() => new("--input", "-i") { Description = "A file or folder of events (EVTX, XmlWinEventLog, JSON lines, zip); repeatable.", AllowMultipleArgumentsPerToken = true };

    /// <summary>The reading flags of every command that reads --input: --quiet, --allow-empty, --max-event-chars.</summary>
    private sealed class ReadingOptions
    {
        private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "Do not print warnings about damaged or skipped input (errors are still printed)." };
        private readonly Option<bool> _allowEmpty = new("--allow-empty") { Description = "An input with no readable events is not an error (exit 0)." };
        private readonly Option<int?> _maxEventChars = new("--max-event-chars") { Description = $"The longest event or line of text read, in characters; longer ones are reported and skipped (default {EventReadOptions.DefaultMaxEventChars})." };

        public ReadingOptions(Command command)
        {
            _maxEventChars.Validators.Add(r =>
            {
                if (r.GetValue(_maxEventChars) is <= 0)
                {
                    r.AddError("--max-event-chars must be a positive number of characters");
                }
            });
            command.Options.Add(_quiet);
            command.Options.Add(_allowEmpty);
            command.Options.Add(_maxEventChars);
        }

        public InputFlags Flags(ParseResult p) => new(p.GetValue(_quiet), p.GetValue(_allowEmpty));

        public EventReadOptions Apply(ParseResult p, EventReadOptions options) =>
            p.GetValue(_maxEventChars) is { } max ? options with { MaxEventChars = max } : options;
    }

    private static Option<string[]> MacrosOption() => new("--macros") { Description = "A folder of macro YAML files that override the content's; repeatable." };

    private static Option<string?> SourceOption() => new("--source") { Description = "Override the source of every input event." };

    private static Option<string?> SourceTypeOption() => new("--sourcetype") { Description = "Override the sourcetype of every input event." };

    private static Option<string?> FormatOption(params string[] formats)
    {
        var o = new Option<string?>("--format", "-f") { Description = "Output format: " + string.Join(", ", formats) + "." };
        o.AcceptOnlyFromAmong(formats);
        return o;
    }

    private static Command SearchCommand()
    {
        var spl = new Argument<string>("spl") { Description = "The search, in SPL." };
        var input = InputOption();
        var content = new Option<string?>("--content") { Description = "An ESCU-layout content folder (macros, lookups)." };
        var macros = MacrosOption();
        var format = FormatOption("table", "json", "jsonl", "csv");
        var earliest = new Option<string?>("--earliest") { Description = "Earliest time (a time modifier such as -24h@h, or epoch seconds)." };
        var latest = new Option<string?>("--latest") { Description = "Latest time." };
        var now = new Option<string?>("--now") { Description = "Fix \"now\" (epoch seconds) for relative times, for reproducible runs." };
        var source = SourceOption();
        var sourcetype = SourceTypeOption();
        var maxRows = new Option<long?>("--max-rows-in-memory") { Description = "Most rows the search may hold in memory (sort, eventstats, transaction, join, results); default 50,000,000." };
        var maxMemory = new Option<string?>("--max-memory") { Description = "Most memory the rows held by the search may take, e.g. 512MB or 4GB; default half the memory available to the process (at least 1GB)." };
        var regexBudget = new Option<double?>("--regex-budget") { Description = "Seconds the search may spend in regular expressions that need backtracking (lookarounds, backreferences); default 60." };
        var cmd = new Command("search", "Run one search over the input events.") { spl, input, content, macros, format, earliest, latest, now, source, sourcetype, maxRows, maxMemory, regexBudget };
        var reading = new ReadingOptions(cmd);
        cmd.SetAction(p => SearchCommandHandler.Run(
            p.GetValue(spl)!,
            p.GetValue(input) ?? [],
            p.GetValue(content),
            p.GetValue(macros) ?? [],
            p.GetValue(format),
            p.GetValue(earliest),
            p.GetValue(latest),
            p.GetValue(now),
            reading.Apply(p, new EventReadOptions(p.GetValue(source), p.GetValue(sourcetype))),
            reading.Flags(p),
            new SearchLimitOptions(p.GetValue(maxRows), p.GetValue(maxMemory), p.GetValue(regexBudget))));
        return cmd;
    }

    private static Command HuntCommand()
    {
        var content = new Option<string>("--content") { Description = "An ESCU-layout content folder.", Required = true };
        var input = InputOption();
        input.Required = true;
        var output = new Option<string?>("--out", "-o") { Description = "Folder for notables.jsonl, risk.jsonl, results.jsonl and the event-time timeline.csv/timeline.jsonl." };
        var only = new Option<string[]>("--only") { Description = "Run only detections whose name or file matches this glob; repeatable." };
        var exclude = new Option<string[]>("--exclude") { Description = "Skip detections whose name or file matches this glob; repeatable." };
        var type = new Option<string[]>("--type") { Description = "Run only these detection types (TTP, Anomaly, Hunting, Correlation); repeatable." };
        var experimental = new Option<bool>("--include-experimental") { Description = "Also run detections with status experimental." };
        var format = FormatOption("table", "json");
        var macros = MacrosOption();
        var report = new Option<string?>("--report") { Description = "Write a self-contained HTML report to this file." };
        var navigator = new Option<string?>("--navigator") { Description = "Write an ATT&CK Navigator layer of the techniques that fired to this file." };
        var now = new Option<string?>("--now") { Description = "Epoch seconds for \"now\"." };
        var useTimeRange = new Option<bool>("--use-time-range") { Description = "Apply each detection's own earliest/latest (-70m@m .. -10m@m by default) relative to --now instead of covering all input." };
        var evidence = new Option<int?>("--evidence") { Description = "Event references (file, channel, computer, record, time) kept per result as escudo_evidence; the count and first/last time cover all events (default 10)." };
        var severity = new Option<string?>("--severity") { Description = "Timeline: only hits at this severity or above (informational, low, medium, high, critical)." };
        var minRisk = new Option<double?>("--min-risk") { Description = "Timeline: only hits with at least this risk score." };
        var story = new Option<string[]>("--story") { Description = "Timeline: only hits of detections in an analytic story containing this text; repeatable." };
        var technique = new Option<string[]>("--technique") { Description = "Timeline: only hits of this ATT&CK technique (T1218 takes T1218.009); repeatable." };
        var earliest = new Option<string?>("--earliest") { Description = "Timeline: only hits whose first event is at or after this time (epoch, ISO 8601 or relative to --now)." };
        var latest = new Option<string?>("--latest") { Description = "Timeline: only hits whose first event is before this time." };
        var cmd = new Command("hunt", "Run every detection of a content folder over the input events in one shared pass.") { content, input, output, only, exclude, type, experimental, format, macros, report, navigator, now, useTimeRange, evidence, severity, minRisk, story, technique, earliest, latest };
        var reading = new ReadingOptions(cmd);
        cmd.SetAction(p => HuntCommandHandler.Run(new HuntOptions
        {
            Content = p.GetValue(content)!,
            Inputs = p.GetValue(input) ?? [],
            Out = p.GetValue(output),
            Only = p.GetValue(only) ?? [],
            Exclude = p.GetValue(exclude) ?? [],
            Types = p.GetValue(type) ?? [],
            IncludeExperimental = p.GetValue(experimental),
            Format = p.GetValue(format),
            Macros = p.GetValue(macros) ?? [],
            Report = p.GetValue(report),
            Navigator = p.GetValue(navigator),
            Now = p.GetValue(now),
            UseTimeRange = p.GetValue(useTimeRange),
            Read = reading.Apply(p, EventReadOptions.Default),
            InputFlags = reading.Flags(p),
            Evidence = p.GetValue(evidence),
            Severity = p.GetValue(severity),
            MinRisk = p.GetValue(minRisk),
            Stories = p.GetValue(story) ?? [],
            Techniques = p.GetValue(technique) ?? [],
            Earliest = p.GetValue(earliest),
            Latest = p.GetValue(latest),
        }));
        return cmd;
    }

    private static Command CheckCommand()
    {
        var content = new Option<string>("--content") { Description = "An ESCU-layout content folder.", Required = true };
        var format = FormatOption("table", "json");
        var macros = MacrosOption();
        var deprecated = new Option<bool>("--include-deprecated") { Description = "Also check detections under deprecated/." };
        var cmd = new Command("check", "Load, expand, parse and plan every detection without data; list those that cannot run and why.") { content, format, macros, deprecated };
        cmd.SetAction(p => CheckCommandHandler.Run(p.GetValue(content)!, p.GetValue(macros) ?? [], p.GetValue(format), p.GetValue(deprecated)));
        return cmd;
    }

    private static Command TestCommand()
    {
        var content = new Option<string>("--content") { Description = "An ESCU-layout content folder.", Required = true };
        var datasets = new Option<string?>("--datasets") { Description = "Folder that holds attack_data datasets (the URL path after /datasets/ is looked up here)." };
        var only = new Option<string[]>("--only") { Description = "Test only detections whose name or file matches this glob; repeatable." };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report to this file." };
        var changed = new Option<string?>("--changed-since") { Description = "Test only detections whose files changed since this git revision." };
        var macros = MacrosOption();
        var cmd = new Command("test", "Replay each detection's test datasets and check that it fires.") { content, datasets, only, junit, changed, macros };
        cmd.SetAction(p => TestCommandHandler.Run(p.GetValue(content)!, p.GetValue(datasets), p.GetValue(only) ?? [], p.GetValue(junit), p.GetValue(changed), p.GetValue(macros) ?? []));
        return cmd;
    }

    private static Command ExportCommand()
    {
        var inputs = new Argument<string[]>("input") { Description = "Files or folders of events.", Arity = ArgumentArity.OneOrMore };
        var format = FormatOption("xml", "json");
        var source = SourceOption();
        var sourcetype = SourceTypeOption();
        var cmd = new Command("export", "Print events as parsed, one per line (xml as Windows renders them, or json with every extracted field).") { inputs, format, source, sourcetype };
        var reading = new ReadingOptions(cmd);
        cmd.SetAction(p => ExportCommandHandler.Run(p.GetValue(inputs) ?? [], p.GetValue(format) ?? "xml", reading.Apply(p, new EventReadOptions(p.GetValue(source), p.GetValue(sourcetype))), reading.Flags(p)));
        return cmd;
    }

    private static Command DemoCommand()
    {
        var format = FormatOption("table", "json");
        var cmd = new Command("demo", "Generate a small Sysmon sample and run the two founding ESCU detections over it.") { format };
        cmd.SetAction(p => DemoCommandHandler.Run(p.GetValue(format)));
        return cmd;
    }

    private static Command ExplainCommand()
    {
        var which = new Argument<string>("detection") { Description = "A detection's name, file name or id (globs allowed)." };
        var content = new Option<string>("--content") { Description = "An ESCU-layout content folder.", Required = true };
        var input = InputOption();
        // Explaining a detection over no events says nothing about why it fires or not.
        input.Required = true;
        var macros = MacrosOption();
        var source = SourceOption();
        var sourcetype = SourceTypeOption();
        var cmd = new Command("explain", "Show why a detection fires or not: events matching each clause of its base search, rows after each stage.") { which, content, input, macros, source, sourcetype };
        var reading = new ReadingOptions(cmd);
        cmd.SetAction(p => ExplainCommandHandler.Run(p.GetValue(which)!, p.GetValue(content)!, p.GetValue(input) ?? [], p.GetValue(macros) ?? [], reading.Apply(p, new EventReadOptions(p.GetValue(source), p.GetValue(sourcetype))), reading.Flags(p)));
        return cmd;
    }

    private static Command NewTestCommand()
    {
        var input = InputOption();
        input.Required = true;
        var search = new Option<string?>("--search") { Description = "A search filter selecting the events to record (default: all)." };
        var output = new Option<string>("--out", "-o") { Description = "The dataset file to write (one raw event per line).", Required = true };
        var url = new Option<string?>("--url") { Description = "The attack_data URL to print in the tests: entry." };
        var cmd = new Command("new-test", "Record a test dataset from any input and print the attack_data entry for a detection's tests: block.") { input, search, output, url };
        var reading = new ReadingOptions(cmd);
        cmd.SetAction(p => NewTestCommandHandler.Run(p.GetValue(input) ?? [], p.GetValue(search), p.GetValue(output)!, p.GetValue(url), reading.Apply(p, EventReadOptions.Default), reading.Flags(p)));
        return cmd;
    }
}
