using System.CommandLine;
using LatentFit.Data;
using LatentFit.Fitting;

namespace LatentFit.Cli.Commands;

/// <summary>
/// The model family and covariance structure of a fit from <c>--init</c>: what the file says, unless an option given on
/// the command line says otherwise, which is then an error naming both; without <c>--init</c>, the options.
/// A file of an unknown or newer format version is refused (<see cref="Serialization.ModelFileHeader"/>).
/// </summary>
internal static class ModelFileChoice
{
    /// <summary>The family and covariance name to fit.</summary>
    /// <exception cref="UsageException">An option given on the command line contradicts the file.</exception>
    /// <exception cref="DataFormatException">The file cannot be read, is of a newer format, or names an unknown model or structure.</exception>
    public static (ModelFamily Family, string? Covariance) Resolve(ParseResult parse, string? initPath, Option<string> modelOption, ModelFamily family, Option covarianceOption, string? covariance)
    {
        if (initPath is null)
        {
            return (family, covariance);
        }

        var header = ModelCatalog.ReadHeader(initPath);
        if (header.Model is { } stated)
        {
            if (!ModelCatalog.TryGet(stated, out var fileFamily))
            {
                throw new DataFormatException($"{initPath}: model \"{stated}\" is not one latentfit fits ({string.Join(", ", ModelCatalog.Names)})", initPath);
            }

            if (IsGiven(parse, modelOption) && fileFamily != family)
            {
                string how = header.ModelStated ? $"says \"model\": \"{stated}\"" : $"has {fileFamily.ParameterField}";
                throw new UsageException($"--init {initPath} holds a {fileFamily.Title} (it {how}), but --model {family.Name} asks for a {family.Title}; drop --model to fit the file's model, or give an --init file of a {family.Title}");
            }

            family = fileFamily;
        }

        if (family.Accepts(ModelSetting.Covariance) && header.Covariance is { } fileCovariance)
        {
            string fileStructure;
            try
            {
                fileStructure = family.CanonicalChoice(ModelSetting.Covariance, fileCovariance);
            }
            catch (SettingException e)
            {
                throw new DataFormatException($"{initPath}: {e.Message}", initPath);
            }

            if (IsGiven(parse, covarianceOption) && (covariance is null || !SameChoice(family, covariance, fileStructure)))
            {
                throw new UsageException($"--init {initPath} has {fileStructure} covariances, but --covariance {covariance} asks for another structure; drop --covariance to keep the file's, or give --covariance {fileStructure}");
            }

            covariance = fileStructure;
        }

        return (family, covariance);
    }

    /// <summary>Whether the user wrote the option (rather than its default applying).</summary>
    public static bool IsGiven(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static bool SameChoice(ModelFamily family, string given, string canonical)
    {
        try
        {
            return family.CanonicalChoice(ModelSetting.Covariance, given) == canonical;
        }
        catch (SettingException)
        {
            return false;
        }
    }
}
