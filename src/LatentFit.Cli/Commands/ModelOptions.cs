using System.CommandLine;
using System.Globalization;
using LatentFit.Cli.Reporting;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Fitting;
using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;
using LatentFit.Optimization.Abstractions;
using LatentFit.Serialization;

namespace LatentFit.Cli.Commands;

/// <summary>
/// The options that say what to fit and how to stop, shared by <c>fit</c>, <c>compare</c> and <c>check</c>;
/// one instance per command, since an option belongs to the command it is added to.
/// </summary>
internal sealed class ModelOptions
{
    public Option<string> Data { get; } = new("--data")
    {
        Description = $"CSV file with a header row (comma, semicolon or tab separated), or an embedded data set by name: {string.Join(", ", EmbeddedDatasets.Names)}",
        Required = true,
    };

    public Option<string?> Columns { get; } = new("--columns") { Description = "Comma-separated columns to use, in this order (default: all)" };

    public Option<string> Model { get; } = new("--model") { Description = "Model: gmm (Gaussian mixture) or poisson (Poisson mixture of counts)", DefaultValueFactory = _ => "gmm" };

    public Option<string?> Weights { get; } = new("--weights") { Description = "Column of row frequency weights (each row counts as that many observations), e.g. a frequency table" };

    public Option<int?> Components { get; } = new("-k", "--components") { Description = "Number of components K (default: from --init, else 2)" };

    public Option<string> Covariance { get; } = new("--covariance")
    {
        Description = "Covariance structure of a gmm: full, tied, diag, spherical (mclust VVV, EEE, VVI, VII)",
        DefaultValueFactory = _ => "full",
    };

    public Option<double> RegCovar { get; } = new("--reg-covar") { Description = "Added to the variances in every M-step, as scikit-learn's reg_covar", DefaultValueFactory = _ => 1e-6 };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the initialisation", DefaultValueFactory = _ => 0 };

    public Option<string?> Init { get; } = new("--init") { Description = "JSON file with initial weights, means and covariances (the shape 'fit' writes)" };

    public Option<string?> InitMethod { get; } = new("--init-method")
    {
        Description = "Initialisation of a gmm without --init: kmeans++ (greedy k-means++ seeding and Lloyd's iterations, the default), random (random responsibilities) or hc (mclust's start: model-based hierarchical clustering, VVV criterion, on at most 2,000 rows, cut at K); a poisson mixture starts from quantiles of the counts",
    };

    public Option<double> Tolerance { get; } = new("--tol") { Description = "Stop when the relative change of the log-likelihood is at most this; 0 runs exactly --max-iter iterations", DefaultValueFactory = _ => 1e-8 };

    public Option<double> GradientTolerance { get; } = new("--gradient-tol") { Description = "Stop when the gradient norm is at most this (0: off)", DefaultValueFactory = _ => 0 };

    public Option<double> ParameterTolerance { get; } = new("--param-tol") { Description = "Stop when the natural parameters move by at most this in one iteration, as the SQUAREM R package does (0: off)", DefaultValueFactory = _ => 0 };

    public Option<int> MaxIterations { get; } = new("--max-iter") { Description = "Iteration limit", DefaultValueFactory = _ => 1000 };

    public Option<double> Step { get; } = new("--step") { Description = "Fixed step of gradient-em, on the per-observation gradient", DefaultValueFactory = _ => 0.05 };

    public Option<int> Blocks { get; } = new("--blocks") { Description = "Groups of rows that incremental-em updates one at a time (fewer on data with fewer blocks)", DefaultValueFactory = _ => 10 };

    public Option<int> MeasureEvery { get; } = new("--measure-every")
    {
        Description = "incremental-em measures the log-likelihood (one pass) after every m-th sweep and the last; the sweeps between cost one pass each and leave no trace record",
        DefaultValueFactory = _ => 1,
    };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "double, or single: float32 data and E-step kernels with float64 log-sum-exp and sums (half the memory, faster; ℓ to about 1e-6 relative)",
        DefaultValueFactory = _ => "double",
    };

    public Option<int> Threads { get; } = new("--threads") { Description = "Threads for the E-step (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };

    /// <summary>Where to show the progress of loading a large file; null (the default) shows none.</summary>
    public Spectre.Console.IAnsiConsole? ProgressConsole { get; init; }

    /// <summary>The command's input files (<c>--data</c> unless an embedded set, <c>--init</c>), which no output may overwrite.</summary>
    public IReadOnlyList<InputFile> Inputs(ParseResult parse) => OutputPaths.Inputs(parse.GetValue(Data), parse.GetValue(Init));

    /// <summary>Adds the options; <paramref name="precision"/> false leaves out --precision (check verifies identities below single precision's resolution).</summary>
    public void AddTo(Command command, bool stopping = true, bool precision = true)
    {
        command.Options.Add(Data);
        command.Options.Add(Columns);
        command.Options.Add(Model);
        command.Options.Add(Weights);
        command.Options.Add(Components);
        command.Options.Add(Covariance);
        command.Options.Add(RegCovar);
        command.Options.Add(Seed);
        command.Options.Add(Init);
        command.Options.Add(InitMethod);
        command.Options.Add(Threads);
        if (precision)
        {
            command.Options.Add(Precision);
        }

        if (stopping)
        {
            command.Options.Add(Tolerance);
            command.Options.Add(GradientTolerance);
            command.Options.Add(ParameterTolerance);
            command.Options.Add(MaxIterations);
            command.Options.Add(Step);
            command.Options.Add(Blocks);
            command.Options.Add(MeasureEvery);
        }
    }

    /// <summary>Reads and validates the options into a model specification (the data are loaded here).</summary>
    public ModelSpecification Specification(ParseResult parse, int restarts = 1)
    {
        string model = parse.GetValue(Model)!.ToLowerInvariant();
        if (model is not ("gmm" or "poisson"))
        {
            throw new UsageException($"unknown model \"{parse.GetValue(Model)}\"; choose one of: gmm, poisson");
        }

        string? initPath = parse.GetValue(Init);
        (model, string covarianceName) = ModelFileChoice.Resolve(parse, initPath, Model, model, Covariance, parse.GetValue(Covariance)!);

        double regularization = parse.GetValue(RegCovar);
        Require(regularization >= 0 && double.IsFinite(regularization), $"--reg-covar must be a finite number ≥ 0, got {Format(regularization)}");
        int threads = parse.GetValue(Threads);
        Require(threads >= 1, $"--threads must be at least 1, got {threads}");
        Require(restarts >= 1, $"--restarts must be at least 1, got {restarts}");
        string? initMethodName = parse.GetValue(InitMethod);
        InitializationMethod? initialization = initMethodName?.ToLowerInvariant() switch
        {
            null => null,
            "kmeans++" or "kmeans" => InitializationMethod.KMeansPlusPlus,
            "random" => InitializationMethod.RandomResponsibilities,
            "hc" => InitializationMethod.Hierarchical,
            _ => throw new UsageException($"unknown --init-method \"{initMethodName}\"; choose one of: kmeans++, random, hc"),
        };

        CovarianceStructure structure = FullCovariance.Instance;
        if (model == "gmm" && !CovarianceStructure.TryParse(covarianceName, out structure))
        {
            throw new UsageException($"unknown covariance structure \"{covarianceName}\"; choose one of: full, tied, diag, spherical");
        }

        string precisionName = parse.GetValue(Precision) ?? "double";
        var precision = precisionName.ToLowerInvariant() switch
        {
            "double" or "float64" => LatentFit.Data.Precision.Double,
            "single" or "float32" => LatentFit.Data.Precision.Single,
            _ => throw new UsageException($"unknown --precision \"{precisionName}\"; choose one of: double, single"),
        };

        if (precision == LatentFit.Data.Precision.Single && model == "poisson")
        {
            throw new UsageException("--precision single applies to Gaussian mixtures only; the Poisson mixture reads counts in double precision");
        }

        var data = LoadProgress.Load(ProgressConsole, parse.GetValue(Data)!, progress => DataSource.Load(parse.GetValue(Data)!, ParseColumns(parse.GetValue(Columns)), parse.GetValue(Weights), precision, progress));
        int? requested = parse.GetValue(Components);
        int seed = parse.GetValue(Seed);
        var execution = new ExecutionOptions(threads);
        if (model == "poisson")
        {
            var poissonStart = initPath is null ? null : PoissonMixtureJson.ReadFile(initPath);
            int k = ResolveComponents(requested, poissonStart?.Components, initPath, data);
            return new PoissonMixtureSpecification(data, k, seed, restarts, poissonStart, execution);
        }

        var start = initPath is null ? null : GaussianMixtureParameterReader.ReadFile(initPath, structure);
        if (start is not null && start.Dimension != data.Dimension)
        {
            throw new UsageException($"{initPath} has means of dimension {start.Dimension}, but the data have {data.Dimension} columns ({string.Join(", ", data.ColumnNames)})");
        }

        return new GaussianMixtureSpecification(new GaussianMixtureFitSettings
        {
            Data = data,
            Components = ResolveComponents(requested, start?.Components, initPath, data),
            Structure = structure,
            Regularization = regularization,
            Initialization = initialization,
            Seed = seed,
            Restarts = restarts,
            Start = start,
            Execution = execution,
        });
    }

    private static int ResolveComponents(int? requested, int? fromStart, string? initPath, DataSet data)
    {
        if (fromStart is { } fixedK && requested is { } k && k != fixedK)
        {
            throw new UsageException($"-k {k} disagrees with the {fixedK} components in {initPath}");
        }

        int components = requested ?? fromStart ?? 2;
        Require(components >= 1, $"-k must be at least 1, got {components}");
        Require(components <= data.Rows, $"-k {components} is larger than the number of rows ({data.Rows}) in {data.Source}");
        return components;
    }

    /// <summary>Reads and validates the stopping rules.</summary>
    public FitOptions FitOptions(ParseResult parse)
    {
        double tolerance = parse.GetValue(Tolerance);
        Require(tolerance >= 0 && double.IsFinite(tolerance), $"--tol must be a finite number ≥ 0, got {Format(tolerance)}");
        double gradientTolerance = parse.GetValue(GradientTolerance);
        Require(gradientTolerance >= 0 && double.IsFinite(gradientTolerance), $"--gradient-tol must be a finite number ≥ 0, got {Format(gradientTolerance)}");
        int maxIterations = parse.GetValue(MaxIterations);
        Require(maxIterations >= 0, $"--max-iter must be at least 0, got {maxIterations}");
        double step = parse.GetValue(Step);
        Require(step > 0 && double.IsFinite(step), $"--step must be a finite number > 0, got {Format(step)}");
        int blocks = parse.GetValue(Blocks);
        Require(blocks >= 1, $"--blocks must be at least 1, got {blocks}");
        int measureEvery = parse.GetValue(MeasureEvery);
        Require(measureEvery >= 1, $"--measure-every must be at least 1, got {measureEvery}");
        double parameterTolerance = parse.GetValue(ParameterTolerance);
        Require(parameterTolerance >= 0 && double.IsFinite(parameterTolerance), $"--param-tol must be a finite number ≥ 0, got {Format(parameterTolerance)}");
        return new FitOptions
        {
            RelativeTolerance = tolerance,
            GradientTolerance = gradientTolerance,
            ParameterTolerance = parameterTolerance,
            MaxIterations = maxIterations,
            Step = step,
            Blocks = blocks,
            MeasureEvery = measureEvery,
        };
    }

    /// <summary>
    /// A warning when a relative tolerance asks for more than single precision can tell: ℓ then carries rounding of
    /// a few 1e-8 of itself, so smaller changes are noise and the run may go on to --max-iter.
    /// </summary>
    public static string? PrecisionWarning(ModelSpecification specification, FitOptions options) =>
        specification.Data.Precision == LatentFit.Data.Precision.Single && options.RelativeTolerance is > 0 and < 1e-8
            ? $"warning: --tol {Format(options.RelativeTolerance)} is below what single precision resolves (ℓ is rounded to a few 1e-8 of itself); use --tol 1e-8 or more, or --precision double"
            : null;

    /// <summary>How the start was chosen, for outputs.</summary>
    public string InitializationLabel(ParseResult parse, ModelSpecification specification) =>
        parse.GetValue(Init) is { } path ? $"file:{path}"
        : specification is PoissonMixtureSpecification ? "quantiles"
        : string.Join("+", Enumerable.Range(0, specification.Starts).Select(specification.StartMethod).Distinct());

    private static IReadOnlyList<string>? ParseColumns(string? columns)
    {
        if (columns is null)
        {
            return null;
        }

        var names = columns.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(string.IsNullOrEmpty))
        {
            throw new UsageException($"--columns \"{columns}\" has an empty name");
        }

        return names;
    }

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new UsageException(message);
        }
    }
}
