using System.Diagnostics;

namespace Escudo.Tests.Support;

/// <summary>Runs the built `escudo` CLI as a child process, the way other tools call it, in UTC.</summary>
public static class EscudoProcess
{
    private static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(120);

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args) => RunIn(SharedData.RepoRoot, DefaultLimit, args);

    /// <summary>Runs with a longer safety limit, for whole-dataset runs on a busy machine (a limit, not a timing assertion).</summary>
    public static Result Run(TimeSpan limit, params string[] args) => RunIn(SharedData.RepoRoot, limit, args);

    /// <summary>Runs escudo with <paramref name="workingDirectory"/> as its current folder.</summary>
    public static Result RunIn(string workingDirectory, params string[] args) => RunIn(workingDirectory, DefaultLimit, args);

    private static Result RunIn(string workingDirectory, TimeSpan limit, string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "escudo.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // The contract: time zone from TZ, UTC when unset.
        psi.Environment.Remove("TZ");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"escudo did not finish in {limit.TotalSeconds:0} s: " + string.Join(' ', args));
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
