using System.CommandLine;
using System.Globalization;
using LatentFit.Cli.Reporting;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Fitting;
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
        Description = $"CSV file with a header row (comma, semicolon or tab separated), a shard folder written by 'latentfit shard' (memory-mapped), or an embedded data set by name: {string.Join(", ", EmbeddedDatasets.Names)}",
        Required = true,
    };

    public Option<string?> Columns { get; } = new("--columns") { Description = "Comma-separated columns to use, in this order (default: all)" };

    public Option<string> Model { get; } = new("--model")
    {
        Description = $"Model: {string.Join(", ", ModelCatalog.Families.Select(f => $"{f.Name} ({f.Description})"))}",
        DefaultValueFactory = _ => ModelCatalog.Default.Name,
    };

    public Option<string?> Weights { get; } = new("--weights") { Description = "Column of row frequency weights (each row counts as that many observations), e.g. a frequency table; not for hmm" };

    public Option<string?> SequenceColumn { get; } = new("--sequence-column")
    {
        Description = "Column of sequence ids: consecutive rows with the same id form one sequence, and the file must be grouped by it (the column is not a value). An hmm fits the sequences as independent chains (without this option the whole file is one sequence); the mixtures (gmm, poisson) treat rows as independent, and sequences only keep the blocks of rows that passes over the data use whole",
    };

    public Option<int?> Components { get; } = new("-k", "--components") { Description = "Number of components K, or states of an hmm (default: from --init, else 2)" };

    public Option<string?> Emission { get; } = new("--emission")
    {
        Description = $"Emission distribution of an hmm's states: {string.Join(", ", HmmEmissionKind.Names)} (default: gaussian, or the --init file's); categorical reads the one column as labels",
    };

    public Option<string?> Covariance { get; } = new("--covariance")
    {
        Description = "Covariance structure of a gmm: full (the default), tied, diag, spherical (mclust VVV, EEE, VVI, VII); of an hmm with gaussian emissions: full (the default) or diag",
    };

    public Option<double> RegCovar { get; } = new("--reg-covar") { Description = "Added to the variances of a gmm or a Gaussian hmm in every M-step, as scikit-learn's reg_covar", DefaultValueFactory = _ => 1e-6 };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the initialisation, and of the mini-batch order of online-em, online-gradient and sgd", DefaultValueFactory = _ => 0 };

    public Option<string?> Init { get; } = new("--init") { Description = "JSON file with the initial parameters (the shape 'fit' writes: e.g. weights, means and covariances; an hmm's initial, transition and emission fields)" };

    public Option<string?> InitMethod { get; } = new("--init-method")
    {
        Description = "Initialisation of a gmm without --init: kmeans++ (greedy k-means++ seeding and Lloyd's iterations, the default), random (random responsibilities) or hc (mclust's start: model-based hierarchical clustering, VVV criterion, on at most 2,000 rows, cut at K); a poisson mixture starts from quantiles of the counts; an hmm starts with uniform initial probabilities, transitions ½·I + ½/K, and its emissions from k-means++ on the pooled rows (gaussian) or the quantiles of the counts (poisson)",
    };

    public Option<double> Tolerance { get; } = new("--tol") { Description = "Tolerance of the --stop rule, relative to |log-likelihood|; 0 runs exactly --max-iter iterations", DefaultValueFactory = _ => 1e-8 };

    public Option<string?> Stop { get; } = new("--stop")
    {
        Description = "Rule on the log-likelihood ℓ: aitken (stop when the Aitken-extrapolated ℓ∞ − ℓ is at most --tol·|ℓ|, at two iterations in a row; the default of every full-data method) or change (stop when |ℓₜ − ℓₜ₋₁| ≤ --tol·|ℓₜ|; the default of online-em, online-gradient and sgd)",
    };

    public Option<double> GradientTolerance { get; } = new("--gradient-tol") { Description = "Stop when the gradient norm is at most this (0: off)", DefaultValueFactory = _ => 0 };

    public Option<double> ParameterTolerance { get; } = new("--param-tol") { Description = "Stop when the natural parameters move by at most this in one iteration, as the SQUAREM R package does (0: off)", DefaultValueFactory = _ => 0 };

    public Option<int> MaxIterations { get; } = new("--max-iter") { Description = "Iteration limit", DefaultValueFactory = _ => new FitOptions().MaxIterations };

    public Option<double> Step { get; } = new("--step") { Description = "Fixed step of gradient-em, on the per-observation gradient", DefaultValueFactory = _ => 0.05 };

    public Option<int> Blocks { get; } = new("--blocks") { Description = "Groups of rows that incremental-em updates one at a time (fewer on data with fewer blocks)", DefaultValueFactory = _ => 10 };

    public Option<int> MeasureEvery { get; } = new("--measure-every")
    {
        Description = "incremental-em measures the log-likelihood (one pass) after every m-th sweep and the last, and online-em, online-gradient and sgd after every m-th epoch; the sweeps or epochs between cost one pass each and leave no trace record",
        DefaultValueFactory = _ => 1,
    };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "double, or single (gmm only): float32 data and E-step kernels with float64 log-sum-exp and sums (half the memory, faster; ℓ to about 1e-6 relative)",
        DefaultValueFactory = _ => "double",
    };

    public Option<int> Threads { get; } = new("--threads") { Description = "Threads for the E-step (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };

    public Option<string> Backend { get; } = new("--backend")
    {
        Description = "Where the passes over the data run: local (this machine's cores), sharded (blocks dealt to shards whose statistics cross a wire form), or orleans (the E-step on the silos of an Orleans cluster, --gateways; --data a shard directory); the same results bit for bit",
        DefaultValueFactory = _ => LocalBackend.BackendName,
    };

    public Option<int> BlockRows { get; } = new("--block-rows")
    {
        Description = "Rows per block of the passes over the data; the blocks fix the order of the sums, so every backend and thread count gives the same bits for one block size",
        DefaultValueFactory = _ => ExecutionOptions.Default.ChunkRows,
    };

    public Option<int> Shards { get; } = new("--shards") { Description = "Shards of --backend sharded", DefaultValueFactory = _ => ShardedBackend.DefaultShards };

    public Option<string?> Gateways { get; } = new("--gateways")
    {
        Description = "Gateways of the Orleans cluster that --backend orleans runs the E-step on: HOST:PORT[,HOST:PORT…], the --gateway-port of silos started with 'latentfit silo' (one is enough; more survive its loss)",
    };

    /// <summary>The name of the Orleans backend (LatentFit.Distributed.OrleansBackend.BackendName), which a native build does not hold.</summary>
    public const string OrleansBackendName = "orleans";

    /// <summary>The command's context, which holds a cluster connection open until the command ends; needed for --backend orleans.</summary>
    public CommandContext? Context { get; init; }

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
        command.Options.Add(SequenceColumn);
        command.Options.Add(Components);
        command.Options.Add(Emission);
        command.Options.Add(Covariance);
        command.Options.Add(RegCovar);
        command.Options.Add(Seed);
        command.Options.Add(Init);
        command.Options.Add(InitMethod);
        command.Options.Add(Threads);
        command.Options.Add(Backend);
        command.Options.Add(Shards);
        command.Options.Add(Gateways);
        command.Options.Add(BlockRows);
        if (precision)
        {
            command.Options.Add(Precision);
        }

        if (stopping)
        {
            command.Options.Add(Tolerance);
            command.Options.Add(Stop);
            command.Options.Add(GradientTolerance);
            command.Options.Add(ParameterTolerance);
            command.Options.Add(MaxIterations);
            command.Options.Add(Step);
            command.Options.Add(Blocks);
            command.Options.Add(MeasureEvery);
        }
    }

    /// <summary>
    /// Reads and validates the options into a model specification (the data are loaded here). An option that belongs to
    /// other model families than the one fitted is refused when given; when not given, its default is not used.
    /// </summary>
    public ModelSpecification Specification(ParseResult parse, int restarts = 1)
    {
        string? initPath = parse.GetValue(Init);
        var (family, covariance) = ModelFileChoice.Resolve(parse, initPath, Model, ModelCatalog.Get(parse.GetValue(Model)!), Covariance, Given(parse, Covariance));
        bool fromFile = !ModelFileChoice.IsGiven(parse, Model) && initPath is not null;
        foreach (var (setting, option, given) in FamilyOptions(parse))
        {
            if (given && !family.Accepts(setting))
            {
                throw new UsageException(Refusal(setting, option, family, fromFile ? initPath : null));
            }
        }

        double regularization = parse.GetValue(RegCovar);
        Require(regularization >= 0 && double.IsFinite(regularization), $"--reg-covar must be a finite number ≥ 0, got {Format(regularization)}");
        int threads = parse.GetValue(Threads);
        Require(threads >= 1, $"--threads must be at least 1, got {threads}");
        int blockRows = parse.GetValue(BlockRows);
        Require(blockRows >= 1, $"--block-rows must be at least 1, got {blockRows}");
        int shards = parse.GetValue(Shards);
        Require(shards >= 1, $"--shards must be at least 1, got {shards}");
        string backendName = parse.GetValue(Backend)!;
        IExecutionBackend? backend = null;
        bool orleans = backendName.Equals(OrleansBackendName, StringComparison.OrdinalIgnoreCase);
        if (!orleans && !ExecutionBackends.TryCreate(backendName.ToLowerInvariant(), shards, out backend))
        {
            throw new UsageException($"unknown --backend \"{backendName}\"; choose one of: {string.Join(", ", ExecutionBackends.Names.Append(OrleansBackendName))}");
        }

        string chosen = orleans ? OrleansBackendName : backend!.Name;
        Require(backend is ShardedBackend || !ModelFileChoice.IsGiven(parse, Shards), $"--shards applies to --backend {ShardedBackend.BackendName} only, not {chosen}");
        Require(orleans || parse.GetValue(Gateways) is null, $"--gateways applies to --backend {OrleansBackendName} only, not {chosen}");
        if (orleans)
        {
            // Checked before the data are loaded, and the cluster connected before, so that a wrong flag or a cluster
            // that is not up fails at once rather than after reading a large data set.
#if LATENTFIT_ORLEANS
            backend = ClusterConnection.Backend(parse.GetValue(Data)!, parse.GetValue(Gateways), Context);
#else
            throw new UsageException($"this build of latentfit has no --backend {OrleansBackendName}: Orleans cannot be compiled ahead of time (native AOT); use the dotnet build of the tool");
#endif
        }

        Require(restarts >= 1, $"--restarts must be at least 1, got {restarts}");
        string? initMethod = parse.GetValue(InitMethod);
        string? emission = Given(parse, Emission);
        foreach (var (setting, name) in new[] { (ModelSetting.Covariance, covariance), (ModelSetting.InitializationMethod, initMethod), (ModelSetting.Emission, emission) })
        {
            // Checked before the data are loaded, so that a misspelt choice fails at once.
            if (name is not null && family.Accepts(setting))
            {
                family.CanonicalChoice(setting, name);
            }
        }

        var precision = ParsePrecision(parse.GetValue(Precision) ?? "double");
        int? requested = parse.GetValue(Components);
        Require(requested is not < 1, $"-k must be at least 1, got {requested}");
        var categorical = family.ReadsCategories(emission, initPath) ? CsvDataReader.EveryValueColumn : null;
        var data = LoadProgress.Load(ProgressConsole, parse.GetValue(Data)!, progress => DataSource.Load(parse.GetValue(Data)!, ParseColumns(parse.GetValue(Columns)), parse.GetValue(Weights), precision, progress, parse.GetValue(SequenceColumn), categorical));
        Require(requested is not { } k || k <= data.Rows, $"-k {requested} is larger than the number of rows ({data.Rows}) in {data.Source}");
        return family.Create(new ModelSettings
        {
            Data = data,
            Components = requested,
            Seed = parse.GetValue(Seed),
            Restarts = restarts,
            StartFile = initPath,
            Execution = new ExecutionOptions(threads, blockRows) { Backend = backend! },
            Covariance = covariance,
            Regularization = regularization,
            InitializationMethod = initMethod,
            Emission = emission,
        });
    }

    /// <summary>The options of the family-specific settings, and whether each was given (for --precision: as single).</summary>
    private IEnumerable<(ModelSetting Setting, Option Option, bool Given)> FamilyOptions(ParseResult parse) =>
    [
        (ModelSetting.Emission, Emission, ModelFileChoice.IsGiven(parse, Emission)),
        (ModelSetting.Covariance, Covariance, ModelFileChoice.IsGiven(parse, Covariance)),
        (ModelSetting.Regularization, RegCovar, ModelFileChoice.IsGiven(parse, RegCovar)),
        (ModelSetting.InitializationMethod, InitMethod, ModelFileChoice.IsGiven(parse, InitMethod)),
        (ModelSetting.SinglePrecision, Precision, ModelFileChoice.IsGiven(parse, Precision) && ParsePrecision(parse.GetValue(Precision)!) == LatentFit.Data.Precision.Single),
    ];

    private static string Refusal(ModelSetting setting, Option option, ModelFamily family, string? initPath)
    {
        string flag = setting == ModelSetting.SinglePrecision ? $"{option.Name} single" : option.Name;
        var takers = ModelCatalog.Families.Where(f => f.Accepts(setting)).Select(f => $"the {f.Title} ({f.Name})").ToArray();
        string why = initPath is null ? string.Empty : $", the model of --init {initPath}";
        string others = takers.Length > 1 ? $" ({string.Join(" and ", takers[1..])} {(takers.Length > 2 ? "take" : "takes")} it too)" : string.Empty;
        return $"{flag} applies to {takers[0]}, not to {family.Name}{why}; leave it out{others}";
    }

    private static string? Given(ParseResult parse, Option<string?> option) => ModelFileChoice.IsGiven(parse, option) ? parse.GetValue(option) : null;

    private static Precision ParsePrecision(string name) => name.ToLowerInvariant() switch
    {
        "double" or "float64" => LatentFit.Data.Precision.Double,
        "single" or "float32" => LatentFit.Data.Precision.Single,
        _ => throw new UsageException($"unknown --precision \"{name}\"; choose one of: double, single"),
    };

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
            Stopping = ParseStop(parse.GetValue(Stop)),
            GradientTolerance = gradientTolerance,
            ParameterTolerance = parameterTolerance,
            MaxIterations = maxIterations,
            Step = step,
            Blocks = blocks,
            MeasureEvery = measureEvery,
            Seed = parse.GetValue(Seed),
        };
    }

    private static StoppingRule? ParseStop(string? name) => name?.ToLowerInvariant() switch
    {
        null => null,
        "aitken" => StoppingRule.Aitken,
        "change" => StoppingRule.RelativeChange,
        _ => throw new UsageException($"unknown --stop \"{name}\"; choose one of: aitken, change"),
    };

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
        parse.GetValue(Init) is { } path ? $"file:{path}" : specification.InitializationLabel;

    public static IReadOnlyList<string>? ParseColumns(string? columns)
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
