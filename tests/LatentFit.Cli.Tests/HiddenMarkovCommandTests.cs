using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LatentFit.Cli.Tests;

/// <summary>
/// Hidden Markov models through the command line: fits written and read back, several sequences, the refusals, and
/// decode. The log-likelihoods and decodings are checked against a log-space forward recursion and a brute-force
/// enumeration of every state path written here, from the parameters in the JSON files.
/// </summary>
public sealed class HiddenMarkovCommandTests
{
    /// <summary>Counts from a 2-state Poisson chain (rates 2 and 12, Γ = [[0.9, 0.1], [0.2, 0.8]]), seeded.</summary>
    private static string PoissonCounts(int rows, int seed)
    {
        var random = new Random(seed);
        double[] rates = [2, 12];
        double[] stay = [0.9, 0.8];
        var text = new StringBuilder("count\n");
        int state = 0;
        for (int t = 0; t < rows; t++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Poisson(random, rates[state])}\n");
            state = random.NextDouble() < stay[state] ? state : 1 - state;
        }

        return text.ToString();
    }

    private static int Poisson(Random random, double rate)
    {
        // Knuth's method: the number of uniform factors before their product falls below e^{−λ}.
        double limit = Math.Exp(-rate), product = random.NextDouble();
        int count = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            count++;
        }

        return count;
    }

    /// <summary>
    /// Three sequences (ids s1..s3, each starting in a random state) of a 2-state chain with 2-D Gaussian emissions
    /// centred at 0 and <paramref name="separation"/>, kept with probabilities <paramref name="stay"/>, seeded.
    /// </summary>
    private static string GaussianSequences(int length, int seed, double separation = 3, double[]? stay = null)
    {
        stay ??= [0.85, 0.85];
        var random = new Random(seed);
        var text = new StringBuilder("id,x,y\n");
        foreach (string id in new[] { "s1", "s2", "s3" })
        {
            int state = random.Next(2);
            for (int t = 0; t < length; t++)
            {
                double centre = separation * state;
                text.Append(CultureInfo.InvariantCulture, $"{id},{centre + Normal(random):R},{centre + 0.5 * Normal(random):R}\n");
                state = random.NextDouble() < stay[state] ? state : 1 - state;
            }
        }

        return text.ToString();
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static JsonElement ReadJson(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();

    private static double[] Numbers(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    private static double[][] Rows(JsonElement array) => [.. array.EnumerateArray().Select(Numbers)];

    /// <summary>log Σ exp, with −∞ for an empty or all −∞ sum.</summary>
    private static double LogSumExp(IEnumerable<double> values)
    {
        var list = values.ToArray();
        double max = list.Max();
        return double.IsNegativeInfinity(max) ? max : max + Math.Log(list.Sum(v => Math.Exp(v - max)));
    }

    /// <summary>log p(x₁..x_T) by the forward recursion in log space (Zucchini &amp; MacDonald 2016, §3.1), no scaling.</summary>
    private static double LogForward(double[] initial, double[][] transition, Func<int, int, double> logDensity, int length)
    {
        int k = initial.Length;
        var alpha = Enumerable.Range(0, k).Select(j => Math.Log(initial[j]) + logDensity(0, j)).ToArray();
        for (int t = 1; t < length; t++)
        {
            alpha = [.. Enumerable.Range(0, k).Select(j => LogSumExp(Enumerable.Range(0, k).Select(i => alpha[i] + Math.Log(transition[i][j]))) + logDensity(t, j))];
        }

        return LogSumExp(alpha);
    }

    private static double LogPoisson(double rate, int count) => count * Math.Log(rate) - rate - Enumerable.Range(1, count).Sum(i => Math.Log(i));

    private static int[] Counts(string csv) => [.. csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse)];

    [Fact]
    public void Fit_PoissonHmm_FileHoldsTheChainAndInitGivesTheSameLogLikelihood()
    {
        using var temp = new TempDirectory();
        string counts = PoissonCounts(300, seed: 11);
        string data = temp.File("counts.csv", counts);
        string first = temp.File("first.json"), second = temp.File("second.json");
        var fit = CliRunner.Run("fit", "--data", data, "--model", "hmm", "--emission", "poisson", "-k", "2", "--standard-errors", "no", "-o", first);
        Assert.True(fit.Code == 0, fit.Err);

        var json = ReadJson(first);
        Assert.Equal("hmm", json.GetProperty("model").GetString());
        Assert.Equal("poisson", json.GetProperty("emission").GetString());
        Assert.Equal(2, json.GetProperty("k").GetInt32());
        var initial = Numbers(json.GetProperty("initial"));
        var transition = Rows(json.GetProperty("transition"));
        var rates = Numbers(json.GetProperty("rates"));
        Assert.Equal(2, initial.Length);
        Assert.All(transition, row => Assert.Equal(1.0, row.Sum(), 12));

        // The file's ℓ is that of its own parameters, by a log-space forward recursion over the counts.
        var x = Counts(counts);
        double reference = LogForward(initial, transition, (t, j) => LogPoisson(rates[j], x[t]), x.Length);
        double logLikelihood = json.GetProperty("logLikelihood").GetDouble();
        Assert.Equal(reference, logLikelihood, 1e-9 * Math.Abs(reference));

        // Read back as the start, with no iteration: the same ℓ and the same parameters.
        var again = CliRunner.Run("fit", "--data", data, "--init", first, "--max-iter", "0", "--standard-errors", "no", "-o", second);
        Assert.True(again.Code == 0, again.Err);
        var back = ReadJson(second);
        Assert.Equal("file:" + first, back.GetProperty("initialization").GetString());
        Assert.Equal(logLikelihood, back.GetProperty("logLikelihood").GetDouble(), 1e-10 * Math.Abs(logLikelihood));
        Assert.Equal(rates, Numbers(back.GetProperty("rates")), (a, b) => Math.Abs(a - b) <= 1e-9 * a);
        Assert.Equal(transition.SelectMany(r => r), Rows(back.GetProperty("transition")).SelectMany(r => r), (a, b) => Math.Abs(a - b) <= 1e-9);
    }

    [Fact]
    public void Fit_GaussianHmmWithSequenceColumn_LogLikelihoodIsTheSumOverSequences()
    {
        using var temp = new TempDirectory();
        // Overlapping states and an asymmetric chain, so that every parameter's meaning shows in ℓ (with states that
        // the data reveal and as many switches each way, a transposed Γ gives nearly the same ℓ).
        string csv = GaussianSequences(60, seed: 5, separation: 1.5, stay: [0.9, 0.7]);
        string data = temp.File("sequences.csv", csv);
        string output = temp.File("fit.json");
        var fit = CliRunner.Run("fit", "--data", data, "--sequence-column", "id", "--model", "hmm", "-k", "2", "--covariance", "diag", "--standard-errors", "no", "-o", output);
        Assert.True(fit.Code == 0, fit.Err);
        Assert.Contains("hidden Markov model, K=2 states, Gaussian emissions, diag covariances, 3 sequences", fit.Out);

        File.Copy(output, "/tmp/dbg2.json", true);
        File.Copy(data, "/tmp/dbg2.csv", true);
        var json = ReadJson(output);
        Assert.Equal("gaussian", json.GetProperty("emission").GetString());
        Assert.Equal("diag", json.GetProperty("covariance").GetString());
        Assert.Equal(3, json.GetProperty("sequences").GetInt32());
        Assert.Equal(["x", "y"], json.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        var initial = Numbers(json.GetProperty("initial"));
        var transition = Rows(json.GetProperty("transition"));
        var means = Rows(json.GetProperty("means"));
        var covariances = json.GetProperty("covariances").EnumerateArray().Select(Rows).ToArray();
        Assert.All(covariances, matrix => Assert.Equal(0.0, matrix[0][1]));

        // Each sequence is its own chain from δ: ℓ = Σ_sequences log p(sequence), each by the log-space recursion.
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split(',')).ToArray();
        double reference = 0;
        foreach (var sequence in rows.GroupBy(r => r[0]))
        {
            var points = sequence.Select(r => new[] { double.Parse(r[1], CultureInfo.InvariantCulture), double.Parse(r[2], CultureInfo.InvariantCulture) }).ToArray();
            reference += LogForward(initial, transition, (t, j) => Enumerable.Range(0, 2).Sum(c =>
            {
                double variance = covariances[j][c][c], z = points[t][c] - means[j][c];
                return -0.5 * (Math.Log(2 * Math.PI * variance) + z * z / variance);
            }), points.Length);
        }

        Assert.Equal(reference, json.GetProperty("logLikelihood").GetDouble(), 1e-9 * Math.Abs(reference));
    }

    [Fact]
    public void Fit_InitWithoutModelField_ReadAsHmmNotGmm()
    {
        // A Gaussian hidden Markov model's file has "means" as a mixture's does; "transition" marks it.
        using var temp = new TempDirectory();
        string data = temp.File("sequences.csv", GaussianSequences(20, seed: 3));
        string init = temp.File("init.json", "{\"emission\": \"gaussian\", \"initial\": [0.5, 0.5], \"transition\": [[0.8, 0.2], [0.3, 0.7]], \"means\": [[0, 0], [3, 3]], \"covariances\": [[[1, 0], [0, 1]], [[1, 0], [0, 1]]]}");
        string output = temp.File("fit.json");
        var run = CliRunner.Run("fit", "--data", data, "--sequence-column", "id", "--init", init, "--max-iter", "0", "--standard-errors", "no", "-o", output);
        Assert.True(run.Code == 0, run.Err);
        var json = ReadJson(output);
        Assert.Equal("hmm", json.GetProperty("model").GetString());
        Assert.Equal([0.3, 0.7], Numbers(json.GetProperty("transition")[1]), (a, b) => Math.Abs(a - b) <= 1e-12);
    }

    private static (int Code, string Err, bool Written) FitRefused(string csv, params string[] options)
    {
        using var temp = new TempDirectory();
        string data = temp.File("data.csv", csv);
        string output = temp.File("out.json");
        var (code, _, err) = CliRunner.Run(["fit", "--data", data, "-o", output, .. options]);
        return (code, err.Replace(temp.Path + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal), File.Exists(output));
    }

    private static void AssertRefused((int Code, string Err, bool Written) run, string message)
    {
        Assert.Equal(2, run.Code);
        Assert.False(run.Written);
        Assert.StartsWith($"latentfit: error: {message}", run.Err);
    }

    [Fact]
    public void Fit_HmmWithWeights_Exit2()
    {
        var run = FitRefused("x,w\n1,2\n3,1\n5,1\n2,3\n", "--columns", "x", "--weights", "w", "--model", "hmm", "--emission", "poisson");
        AssertRefused(
            run,
            "a hidden Markov model takes no frequency weights: a row of a sequence is one observation at one time");
        Assert.Contains("(options: --weights)", run.Err);
    }

    [Theory]
    [InlineData("tied")]
    [InlineData("spherical")]
    public void Fit_HmmWithTiedOrSphericalCovariance_Exit2NamingTheChoices(string structure)
    {
        var run = FitRefused(GaussianSequences(10, seed: 1), "--sequence-column", "id", "--model", "hmm", "--covariance", structure);
        AssertRefused(run, $"{structure} covariances are not offered for hidden Markov models (only for the Gaussian mixture); choose one of: full, diag");
        Assert.EndsWith("(options: --covariance)\n", run.Err.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("gmm")]
    [InlineData("poisson")]
    public void Fit_EmissionForAMixture_Exit2(string model)
    {
        AssertRefused(FitRefused("x\n1\n2\n3\n4\n", "--model", model, "--emission", "poisson"), $"--emission applies to the hidden Markov model (hmm), not to {model}; leave it out");
    }

    /// <summary>Two sequences of DNA letters; the file's categories are deliberately not in the data's (sorted) order.</summary>
    private const string Letters = "id,base\ns1,A\ns1,C\ns1,C\ns1,T\ns1,G\ns1,G\ns2,T\ns2,T\ns2,A\ns2,G\ns2,C\n";

    private static string LetterModel() => JsonSerializer.Serialize(new
    {
        model = "hmm",
        emission = "categorical",
        k = 2,
        initial = new[] { 0.7, 0.3 },
        transition = new[] { new[] { 0.8, 0.2 }, new[] { 0.35, 0.65 } },
        categories = new[] { "T", "G", "C", "A" },
        probabilities = new[] { new[] { 0.1, 0.2, 0.3, 0.4 }, new[] { 0.45, 0.25, 0.2, 0.1 } },
    });

    [Fact]
    public void Fit_CategoricalHmmFromFile_LabelsMappedByNameAndLogLikelihoodIsTheForwardSum()
    {
        using var temp = new TempDirectory();
        string data = temp.File("dna.csv", Letters), init = temp.File("init.json", LetterModel()), output = temp.File("out.json");
        var (code, _, err) = CliRunner.Run("fit", "--data", data, "--sequence-column", "id", "--init", init, "--max-iter", "0", "--standard-errors", "no", "-o", output);
        Assert.True(code == 0, err);

        // The file's probabilities by label, so a reader that coded the data by the sorted labels (A, C, G, T) and not
        // by the file's order would give another ℓ.
        string[] labels = ["T", "G", "C", "A"];
        double[][] probabilities = [[0.1, 0.2, 0.3, 0.4], [0.45, 0.25, 0.2, 0.1]];
        double reference = 0;
        foreach (var sequence in new[] { "ACCTGG", "TTAGC" })
        {
            reference += LogForward([0.7, 0.3], [[0.8, 0.2], [0.35, 0.65]], (t, j) => Math.Log(probabilities[j][Array.IndexOf(labels, sequence[t].ToString())]), sequence.Length);
        }

        var json = ReadJson(output);
        Assert.Equal(reference, json.GetProperty("logLikelihood").GetDouble(), 1e-10 * Math.Abs(reference));
        Assert.Equal(labels, json.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public void Fit_CategoricalHmm_WritesLabelsAndDecodeReadsThemBack()
    {
        using var temp = new TempDirectory();
        string data = temp.File("dna.csv", Letters), output = temp.File("out.json"), states = temp.File("states.csv");
        var (code, _, err) = CliRunner.Run("fit", "--data", data, "--sequence-column", "id", "--model", "hmm", "--emission", "categorical", "-k", "2", "--standard-errors", "no", "-o", output);
        Assert.True(code == 0, err);
        var json = ReadJson(output);
        Assert.Equal(["A", "C", "G", "T"], json.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.All(Rows(json.GetProperty("probabilities")), row => Assert.Equal(1.0, row.Sum(), 12));

        (code, _, err) = CliRunner.Run("decode", "--model", output, "--data", data, "--sequence-column", "id", "-o", states);
        Assert.True(code == 0, err);
        Assert.Equal(12, File.ReadAllLines(states).Length);
    }

    [Fact]
    public void Decode_NearlyCertainStates_PosteriorsNeverAboveOne()
    {
        // A fit whose first state is certain to rounding: γ₁ computed as α̂₁β̂₁ came out as 1.0000000000000002.
        using var temp = new TempDirectory();
        string data = temp.File("weather.csv", "w\nsun\nsun\nrain\nrain\nrain\nsun\ncloud\nsun\nsun\nrain\n"), output = temp.File("w.json"), states = temp.File("states.csv");
        var (code, _, err) = CliRunner.Run("fit", "--data", data, "--model", "hmm", "--emission", "categorical", "-k", "2", "--standard-errors", "no", "-o", output);
        Assert.True(code == 0, err);
        (code, _, err) = CliRunner.Run("decode", "--model", output, "--data", data, "-o", states);
        Assert.True(code == 0, err);
        var posteriors = File.ReadAllLines(states).Skip(1).Select(line => line.Split(',').Skip(3).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(10, posteriors.Length);
        Assert.All(posteriors, row => Assert.All(row, p => Assert.InRange(p, 0, 1)));
        Assert.All(posteriors, row => Assert.Equal(1.0, row.Sum(), 15));
    }

    [Fact]
    public void Fit_CategoricalHmmLabelNotInTheFile_Exit2NamingTheLabelNothingWritten()
    {
        using var temp = new TempDirectory();
        string data = temp.File("dna.csv", Letters.Replace("s2,A", "s2,U", StringComparison.Ordinal)), init = temp.File("init.json", LetterModel()), output = temp.File("out.json");
        var (code, _, err) = CliRunner.Run("fit", "--data", data, "--sequence-column", "id", "--init", init, "-o", output);
        Assert.Equal(2, code);
        Assert.False(File.Exists(output));
        Assert.Contains("category \"U\" is not one of the given categories (T, G, C, A)", err);
    }

    [Fact]
    public void Fit_CovarianceForAPoissonHmm_Exit2()
    {
        AssertRefused(FitRefused("x\n1\n2\n3\n4\n", "--model", "hmm", "--emission", "poisson", "--covariance", "diag"), "a covariance structure (diag) applies to Gaussian emissions, not to Poisson ones");
    }

    [Theory]
    [InlineData("{\"model\": \"hmm\", \"emission\": \"poisson\", \"initial\": [0.5, 0.5], \"transition\": [[0.5, 0.5], [1]], \"rates\": [1, 2]}", "init.json: transition[1]: expected 2 entries, found 1")]
    [InlineData("{\"model\": \"hmm\", \"emission\": \"poisson\", \"initial\": [0.5, 0.5], \"transition\": [[0.5, 0.5], [-0.5, 1.5]], \"rates\": [1, 2]}", "init.json: row 2 of the transition matrix has an entry -0.5")]
    [InlineData("{\"model\": \"hmm\", \"emission\": \"poisson\", \"initial\": [0.5, 0.5], \"transition\": [[0.5, 0.5], [0.5, 0.5]]}", "init.json: missing property \"rates\"")]
    [InlineData("{\"model\": \"hmm\", \"emission\": \"poisson\", \"initial\": [0.5, 0.5], \"rates\": [1, 2]}", "init.json: missing property \"transition\"")]
    [InlineData("{\"model\": \"hmm\", \"emission\": \"gamma\", \"initial\": [1], \"transition\": [[1]]}", "init.json: emission: unknown emission \"gamma\"")]
    [InlineData("{\"model\": \"hmm\", \"initial\": [0.5, 0.5,", "init.json:1: column")]
    public void Fit_BadHmmFile_Exit2NamingFileAndField(string content, string message)
    {
        using var temp = new TempDirectory();
        temp.File("init.json", content);
        var run = FitRefused("x\n1\n2\n3\n4\n", "--init", Path.Combine(temp.Path, "init.json"));
        Assert.Equal(2, run.Code);
        Assert.False(run.Written);
        Assert.Contains(message, run.Err);
    }

    [Fact]
    public void Fit_EmissionOtherThanTheFiles_Exit2()
    {
        using var temp = new TempDirectory();
        string init = temp.File("init.json", "{\"model\": \"hmm\", \"emission\": \"poisson\", \"initial\": [0.5, 0.5], \"transition\": [[0.5, 0.5], [0.5, 0.5]], \"rates\": [1, 2]}");
        var run = FitRefused("x\n1\n2\n3\n4\n", "--init", init, "--emission", "gaussian");
        AssertRefused(run, init);
        Assert.Contains($"{init} holds a hidden Markov model with poisson emissions, but gaussian emissions were asked for", run.Err);
    }

    [Fact]
    public void Check_HmmWithInteriorMaximum_EveryCheckRunsAndPasses()
    {
        using var temp = new TempDirectory();
        string data = temp.File("sequences.csv", GaussianSequences(40, seed: 9));
        var (code, output, err) = CliRunner.Run("check", "--data", data, "--sequence-column", "id", "--model", "hmm", "-k", "2", "--covariance", "diag", "--em-steps", "30");
        Assert.True(code == 0, err + output);
        Assert.Contains("Fisher identity", output);
        Assert.Contains("EM monotone over 30 steps", output);
        Assert.Contains("EM rate: observed", output);
        Assert.DoesNotContain("Xu–Jordan", output);
        Assert.Contains("all checks passed", output);
    }

    [Fact]
    public void Check_HmmWithInitialProbabilityAtZero_RateNotComparedOtherChecksPass()
    {
        // One sequence: Baum–Welch puts δ at a vertex, where the EM map's Jacobian in η has the eigenvalue 1.
        using var temp = new TempDirectory();
        string data = temp.File("counts.csv", PoissonCounts(150, seed: 4));
        var (code, output, err) = CliRunner.Run("check", "--data", data, "--model", "hmm", "--emission", "poisson", "-k", "2", "--em-steps", "30");
        Assert.True(code == 0, err + output);
        Assert.Contains("EM rate not measured: the maximum is on the boundary of the parameter space (initial[", output);
        Assert.Contains("all checks passed", output);
    }

    private static string PoissonModel(double[] initial, double[][] transition, double[] rates) =>
        JsonSerializer.Serialize(new { model = "hmm", emission = "poisson", k = rates.Length, initial, transition, rates });

    private static string[][] Decode(TempDirectory temp, string model, string csv, params string[] options)
    {
        string modelPath = temp.File("model.json", model), data = temp.File("data.csv", csv), output = temp.File("states.csv");
        var (code, _, err) = CliRunner.Run(["decode", "--model", modelPath, "--data", data, "-o", output, .. options]);
        Assert.True(code == 0, err);
        return [.. File.ReadAllLines(output).Select(line => line.Split(','))];
    }

    [Fact]
    public void Decode_FarApartRates_ObviousPathAndPosteriorsSummingToOne()
    {
        using var temp = new TempDirectory();
        string model = PoissonModel([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], [1, 30]);
        var rows = Decode(temp, model, "count\n0\n1\n0\n28\n33\n31\n1\n");
        Assert.Equal(["sequence", "position", "state", "p1", "p2"], rows[0]);
        Assert.Equal(8, rows.Length);
        Assert.Equal(["1", "1", "1", "2", "2", "2", "1"], rows.Skip(1).Select(r => r[2]));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => i.ToString(CultureInfo.InvariantCulture)), rows.Skip(1).Select(r => r[1]));
        Assert.All(rows.Skip(1), r => Assert.Equal("1", r[0]));
        Assert.All(rows.Skip(1), r => Assert.Equal(1.0, double.Parse(r[3], CultureInfo.InvariantCulture) + double.Parse(r[4], CultureInfo.InvariantCulture), 12));
        Assert.All(rows.Skip(1), r => Assert.True(double.Parse(r[2 + int.Parse(r[2], CultureInfo.InvariantCulture)], CultureInfo.InvariantCulture) > 0.99));
    }

    [Fact]
    public void Decode_ThreeStatesTwoSequences_MatchesBruteForceOverEveryPath()
    {
        double[] initial = [0.5, 0.3, 0.2];
        double[][] transition = [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.25, 0.25, 0.5]];
        double[] rates = [1, 4, 9];
        int[][] sequences = [[0, 3, 5, 9, 2, 4], [7, 1, 3, 2]];
        string csv = "run,count\n" + string.Concat(sequences.Select((s, i) => string.Concat(s.Select(x => $"r{i + 1},{x}\n"))));
        using var temp = new TempDirectory();
        var rows = Decode(temp, PoissonModel(initial, transition, rates), csv, "--sequence-column", "run");
        Assert.Equal(1 + sequences.Sum(s => s.Length), rows.Length);

        int row = 1;
        for (int s = 0; s < sequences.Length; s++)
        {
            var x = sequences[s];
            int length = x.Length, k = rates.Length;
            var marginals = new double[length, k];
            double bestLogJoint = double.NegativeInfinity, total = 0;
            int[] best = [];
            int paths = (int)Math.Pow(k, length);
            for (int code = 0; code < paths; code++)
            {
                var path = Enumerable.Range(0, length).Select(t => code / (int)Math.Pow(k, t) % k).ToArray();
                double logJoint = Math.Log(initial[path[0]]) + LogPoisson(rates[path[0]], x[0]);
                for (int t = 1; t < length; t++)
                {
                    logJoint += Math.Log(transition[path[t - 1]][path[t]]) + LogPoisson(rates[path[t]], x[t]);
                }

                if (logJoint > bestLogJoint)
                {
                    (bestLogJoint, best) = (logJoint, path);
                }

                total += Math.Exp(logJoint);
                for (int t = 0; t < length; t++)
                {
                    marginals[t, path[t]] += Math.Exp(logJoint);
                }
            }

            for (int t = 0; t < length; t++, row++)
            {
                Assert.Equal($"r{s + 1}", rows[row][0]);
                Assert.Equal(t + 1, int.Parse(rows[row][1], CultureInfo.InvariantCulture));
                Assert.Equal(best[t] + 1, int.Parse(rows[row][2], CultureInfo.InvariantCulture));
                for (int j = 0; j < k; j++)
                {
                    Assert.Equal(marginals[t, j] / total, double.Parse(rows[row][3 + j], CultureInfo.InvariantCulture), 1e-12);
                }
            }
        }
    }

    [Fact]
    public void Decode_ModelFileOfAMixture_Exit2NothingWritten()
    {
        using var temp = new TempDirectory();
        string model = temp.File("model.json", "{\"model\": \"poisson\", \"weights\": [0.5, 0.5], \"rates\": [1, 3]}");
        string data = temp.File("data.csv", "count\n1\n2\n");
        string output = temp.File("states.csv");
        var (code, _, err) = CliRunner.Run("decode", "--model", model, "--data", data, "-o", output);
        Assert.Equal(2, code);
        Assert.False(File.Exists(output));
        Assert.StartsWith($"latentfit: error: --model {model} holds a Poisson mixture (poisson); decode needs a hidden Markov model", err);
    }
}
