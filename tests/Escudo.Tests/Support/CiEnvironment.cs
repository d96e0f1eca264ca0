namespace Escudo.Tests.Support;

/// <summary>
/// What a test may do depends on where it runs: on a developer's machine a missing reference tool
/// skips its test and ESCUDO_ACCEPT=1 rewrites snapshot files; under CI (CI=true, as CI services
/// and <c>.ci/run</c> set it) both would turn a check into a silent pass, so both fail instead.
/// The rules take the environment's values as arguments so that they can be tested without
/// changing the process's environment.
/// </summary>
public static class CiEnvironment
{
    public static bool IsCi(string? ci) =>
        ci is not null && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    public static bool IsCurrentlyCi => IsCi(Environment.GetEnvironmentVariable("CI"));

    /// <summary>
    /// Whether a snapshot test should write what it got instead of comparing: only with
    /// ESCUDO_ACCEPT=1 and never under CI, where asking for it is an error (a CI run that accepted
    /// its own output would pass whatever the engine printed).
    /// </summary>
    public static bool AcceptSnapshots(string? accept, string? ci)
    {
        if (accept != "1")
        {
            return false;
        }

        if (IsCi(ci))
        {
            throw new InvalidOperationException("ESCUDO_ACCEPT=1 under CI (CI=true): snapshot files are never rewritten in CI; accept them on a developer machine, review and commit them.");
        }

        return true;
    }

    public static bool AcceptSnapshots() =>
        AcceptSnapshots(Environment.GetEnvironmentVariable("ESCUDO_ACCEPT"), Environment.GetEnvironmentVariable("CI"));

    /// <summary>
    /// Why a test that needs a reference tool is skipped, or null when it runs: it is skipped only
    /// outside CI; under CI it runs and fails on the missing tool (see <see cref="RequireTool"/>).
    /// </summary>
    public static string? SkipReasonForMissingTool(string tool, string? toolPath, string install, string? ci) =>
        toolPath is not null || IsCi(ci) ? null : $"{tool} is not installed ({install}); the test needs it. CI installs it, and under CI (CI=true) its absence fails the test.";

    /// <summary>Fails with a clear message when the tool a test compares against is missing.</summary>
    public static void RequireTool(string tool, string? toolPath, string install) =>
        Assert.True(toolPath is not null, $"{tool} is not installed and this run is under CI (CI=true): the differential test cannot be skipped there. Install it: {install}.");
}
