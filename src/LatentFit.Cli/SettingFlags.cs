namespace LatentFit.Cli;

/// <summary>
/// The one place where the library's settings (<see cref="FitSetting"/>) meet the command line's options: the library
/// words its messages in its own terms and names the settings they concern; the CLI adds the options to change.
/// </summary>
internal static class SettingFlags
{
    /// <summary>The option that sets <paramref name="setting"/>.</summary>
    public static string Flag(FitSetting setting) => setting switch
    {
        FitSetting.Model => "--model",
        FitSetting.Columns => "--columns",
        FitSetting.Components => "-k",
        FitSetting.Restarts => "--restarts",
        FitSetting.Seed => "--seed",
        FitSetting.Start => "--init",
        FitSetting.Covariance => "--covariance",
        FitSetting.Regularization => "--reg-covar",
        FitSetting.InitializationMethod => "--init-method",
        FitSetting.Precision => "--precision",
        FitSetting.Tolerance => "--tol",
        FitSetting.Step => "--step",
        FitSetting.Algorithm => "--algorithm",
        FitSetting.Emission => "--emission",
        FitSetting.Weights => "--weights",
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "no option sets this setting"),
    };

    /// <summary>
    /// The message of <paramref name="error"/>, followed by the options for the settings it names (e.g.
    /// "… (options: --restarts, --seed)"); the message alone when it names none.
    /// </summary>
    public static string Describe(Exception error) =>
        error is ISettingAdvice { Settings.Count: > 0 } advice
            ? $"{error.Message} (options: {string.Join(", ", advice.Settings.Select(Flag))})"
            : error.Message;
}
