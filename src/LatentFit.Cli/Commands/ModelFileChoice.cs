using System.CommandLine;
using LatentFit.Data;
using LatentFit.Models.Gaussian;
using LatentFit.Serialization;

namespace LatentFit.Cli.Commands;

/// <summary>
/// The model and covariance structure of a fit from <c>--init</c>: what the file says, unless an option given on
/// the command line says otherwise, which is then an error naming both; without <c>--init</c>, the options.
/// A file of an unknown or newer format version is refused (<see cref="ModelFileHeader"/>).
/// </summary>
internal static class ModelFileChoice
{
    /// <summary>The model (gmm, poisson) and covariance name to fit.</summary>
    /// <exception cref="UsageException">An option given on the command line contradicts the file.</exception>
    /// <exception cref="DataFormatException">The file cannot be read, is of a newer format, or names an unknown model or structure.</exception>
    public static (string Model, string Covariance) Resolve(ParseResult parse, string? initPath, Option<string> modelOption, string model, Option<string> covarianceOption, string covariance)
    {
        if (initPath is null)
        {
            return (model, covariance);
        }

        var header = ModelFileHeader.ReadFile(initPath);
        if (header.Model is { } stated)
        {
            string fileModel = stated.ToLowerInvariant();
            if (fileModel is not ("gmm" or "poisson"))
            {
                throw new DataFormatException($"{initPath}: model \"{stated}\" is not one latentfit fits (gmm, poisson)", initPath);
            }

            if (IsGiven(parse, modelOption) && fileModel != model)
            {
                string how = header.ModelStated ? $"says \"model\": \"{stated}\"" : $"has {(fileModel == "poisson" ? "rates" : "means")}";
                throw new UsageException($"--init {initPath} holds a {Describe(fileModel)} (it {how}), but --model {model} asks for a {Describe(model)}; drop --model to fit the file's model, or give an --init file of a {Describe(model)}");
            }

            model = fileModel;
        }

        if (model == "gmm" && header.Covariance is { } fileCovariance)
        {
            if (!CovarianceStructure.TryParse(fileCovariance, out var fileStructure))
            {
                throw new DataFormatException($"{initPath}: unknown covariance structure \"{fileCovariance}\"; latentfit knows full, tied, diag, spherical", initPath);
            }

            if (IsGiven(parse, covarianceOption) && (!CovarianceStructure.TryParse(covariance, out var given) || given.Name != fileStructure.Name))
            {
                throw new UsageException($"--init {initPath} has {fileStructure.Name} covariances, but --covariance {covariance} asks for another structure; drop --covariance to keep the file's, or give --covariance {fileStructure.Name}");
            }

            covariance = fileStructure.Name;
        }

        return (model, covariance);
    }

    /// <summary>Whether the user wrote the option (rather than its default applying).</summary>
    public static bool IsGiven(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static string Describe(string model) => model == "poisson" ? "Poisson mixture" : "Gaussian mixture";
}
