namespace LatentFit.Cli;

/// <summary>The tool's exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>A diagnostic of <c>check</c> failed, or an unexpected error.</summary>
    public const int CheckFailed = 1;

    /// <summary>Bad input: command line, data file, parameter file, output path.</summary>
    public const int BadInput = 2;

    /// <summary>The fit failed numerically (a collapsed component, a singular covariance) in every start.</summary>
    public const int FitFailed = 3;

    /// <summary>The cluster failed the fit: no gateway answered, or a shard's calls failed until the retry budget ran out.</summary>
    public const int ClusterFailed = 4;
}

/// <summary>A user error in the command line, reported with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
