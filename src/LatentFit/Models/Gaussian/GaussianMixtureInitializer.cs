using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;
using LatentFit.Numerics;
using LatentFit.Numerics.Kernels;

namespace LatentFit.Models.Gaussian;

/// <summary>How the first parameters of a Gaussian mixture fit are chosen.</summary>
public enum InitializationMethod
{
    /// <summary>
    /// Greedy k-means++ seeding (Arthur &amp; Vassilvitskii 2007, sect. 6; scikit-learn's default) refined by Lloyd's
    /// iterations; hard assignments then one M-step.
    /// </summary>
    KMeansPlusPlus,

    /// <summary>Uniform random responsibilities, normalised per row, then one M-step (scikit-learn's <c>init_params='random'</c>).</summary>
    RandomResponsibilities,

    /// <summary>
    /// mclust's start: model-based agglomerative hierarchical clustering with the VVV criterion (Fraley 1998, SIAM J.
    /// Sci. Comput. 20:270–281) on at most 2,000 rows, cut at K clusters; hard assignments then one M-step
    /// (<see cref="HierarchicalAgglomeration"/>).
    /// </summary>
    Hierarchical,
}

/// <summary>How the k-means start seeds its centres (<see cref="GaussianMixtureInitializer.KMeansPlusPlus"/>).</summary>
public sealed record KMeansOptions
{
    /// <summary>
    /// D² draws per centre after the first, of which the one that lowers the k-means potential most is kept; null for
    /// the greedy 2 + ⌊ln K⌋ of Arthur &amp; Vassilvitskii (2007) and scikit-learn, 1 for plain k-means++.
    /// </summary>
    public int? CandidatesPerCentre { get; init; }

    /// <summary>
    /// Seedings, each refined by Lloyd's iterations on the subsample, of which the lowest inertia is kept. Eight make
    /// a miss unlikely (0.5⁸ ≈ 4·10⁻³ where one run misses half the time) at about the cost of one run on 65,000 rows.
    /// </summary>
    public int Runs
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Runs), value, "k-means needs at least one run");
    } = 8;

    /// <summary>
    /// Rows of the subsample the runs cluster (at least 64 per component) when the data have more (and there is more
    /// than one run).
    /// </summary>
    public int SubsampleRows
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(SubsampleRows), value, "the subsample needs at least one row");
    } = 8192;
}

/// <summary>Initial parameters for a Gaussian mixture from the data, deterministic for a given seed.</summary>
public static class GaussianMixtureInitializer
{
    private const int MaxLloydIterations = 100;

    // Lloyd's iterations stop when the centres move by at most this fraction of the data's mean variance (squared
    // distance summed over the centres), as scikit-learn's KMeans (tol = 1e-4) does, or when no row changes cluster.
    private const double LloydTolerance = 1e-4;

    // Rows per block of a k-means pass: the blocks run on the execution backend and their sums merge in block order
    // (any thread count, any backend).
    private const int LloydChunkRows = 4096;

    /// <summary>Initial parameters by the chosen method.</summary>
    public static GaussianMixtureParameters Initialize(GaussianMixtureModel model, DataSet data, InitializationMethod method, int seed, ExecutionOptions? execution = null) => method switch
    {
        InitializationMethod.KMeansPlusPlus => KMeansPlusPlus(model, data, seed, execution),
        InitializationMethod.RandomResponsibilities => RandomResponsibilities(model, data, seed, execution),
        InitializationMethod.Hierarchical => HierarchicalAgglomeration.Initialize(model, data, seed, execution),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <summary>
    /// k-means clusters turned into a mixture by one M-step on the hard assignments (scikit-learn's
    /// <c>init_params='kmeans'</c>): the best by inertia of <see cref="KMeansOptions.Runs"/> runs of greedy k-means++
    /// seeding (<see cref="SeedCentres"/>) and Lloyd's iterations on a seeded subsample of the rows, then Lloyd's
    /// iterations on all rows from the best run's centres.
    /// </summary>
    /// <param name="model">The mixture to start.</param>
    /// <param name="data">The data.</param>
    /// <param name="seed">Seed of the random draws.</param>
    /// <param name="execution">Threads and chunking of the passes over the data; the result is the same for any.</param>
    /// <param name="options">Seeding settings; null for <see cref="KMeansOptions"/>' defaults.</param>
    /// <exception cref="ArgumentException">The data have fewer distinct rows than components.</exception>
    public static GaussianMixtureParameters KMeansPlusPlus(GaussianMixtureModel model, DataSet data, int seed, ExecutionOptions? execution = null, KMeansOptions? options = null)
    {
        execution ??= ExecutionOptions.Default;
        options ??= new KMeansOptions();
        int k = model.Components, d = model.Dimension;
        var random = new Random(seed);
        double meanVariance = MeanVariance(data, execution);
        int candidates = options.CandidatesPerCentre ?? GreedyCandidates(k);
        int sampleRows = Math.Max(options.SubsampleRows, 64 * k);
        var sample = options.Runs > 1 && data.Rows > sampleRows ? Subsample(data, sampleRows, random) : data;

        // One clustering of unequal spread can put two centres in a wide cluster and one across two narrow ones, a
        // local minimum of the inertia that Lloyd's iterations do not leave; on issue 9's data a single greedy run (as
        // scikit-learn's GaussianMixture makes) ends there in 5 of 36 runs, on one data set for half the seeds (see
        // docs/benchmarks.md). The right clustering has by far the lowest inertia, so the best of a few runs on a
        // subsample finds it, at about the cost of one run on all rows.
        int runs = options.Runs;
        var runSeeds = new int[runs];
        for (int run = 0; run < runs; run++)
        {
            runSeeds[run] = random.Next();
        }

        // A single run takes the threads for its passes; several run side by side, one thread each (a subsample has
        // too few chunks to share out, and one run's result does not depend on its threads).
        var runCentres = new double[runs][];
        var inertias = new double[runs];
        var sampleAssignment = new float[sample.Rows];
        var runExecution = runs == 1 ? execution : execution with { Threads = 1 };
        try
        {
            Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = execution.Threads }, run =>
            {
                var runAssignment = runs == 1 ? sampleAssignment : new float[sample.Rows];
                runCentres[run] = new double[k * d];
                SeedCentres(sample, k, new Random(runSeeds[run]), candidates, meanVariance, runCentres[run], runAssignment, runExecution);
                inertias[run] = Lloyd(sample, runCentres[run], k, runAssignment, meanVariance, runExecution);
            });
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }

        // The lowest inertia, the first run on a tie.
        int best = 0;
        for (int run = 1; run < runs; run++)
        {
            best = inertias[run] < inertias[best] ? run : best;
        }

        var centres = runCentres[best];
        var assignment = sample == data ? sampleAssignment : new float[data.Rows];
        if (runs > 1)
        {
            // From the best run's centres, on all rows (on a subsample, the centres are close: a few passes).
            Lloyd(data, centres, k, assignment, meanVariance, execution);
        }

        ReassignEmptyClusters(data, assignment, centres, k, d, execution);
        return FromResponsibilityBlocks(model, data, execution, execution.Partition(data), (start, count, target) =>
        {
            target.Clear();
            for (int n = 0; n < count; n++)
            {
                target[n * k + (int)assignment[start + n]] = 1;
            }
        });
    }

    /// <summary>
    /// Lloyd's iterations from <paramref name="centres"/> (updated in place) until the centres move by at most
    /// <see cref="LloydTolerance"/> of the mean variance or no row changes cluster; writes each row's cluster (as a
    /// float, exact for K up to 2²⁴, so that the seeding's distance array can be reused) and returns the inertia
    /// Σₙ wₙ‖xₙ − c(n)‖² of the last assignment pass.
    /// </summary>
    private static double Lloyd(DataSet data, double[] centres, int k, float[] assignment, double meanVariance, ExecutionOptions execution)
    {
        int d = data.Dimension;
        Array.Fill(assignment, -1);
        double tolerance = LloydTolerance * meanVariance;
        using var passes = new KMeansPasses(data, k, execution);
        var layout = new LloydSums(k, d);
        double inertia = 0;
        for (int iteration = 0; iteration < MaxLloydIterations; iteration++)
        {
            // One pass: each row to its nearest centre, and each cluster's summed deviations from its centre.
            var sums = AssignAndSum(data, centres, k, assignment, passes).Values;
            inertia = sums[layout.Inertia];
            if (!(sums[layout.Changed] > 0))
            {
                break;
            }

            var deviations = sums.AsSpan(0, k * d);
            var counts = sums.AsSpan(layout.Counts, k);

            double shift = 0;
            for (int j = 0; j < k; j++)
            {
                // An emptied cluster keeps its centre; it is fixed up at the end if it stays empty.
                if (counts[j] > 0)
                {
                    for (int c = 0; c < d; c++)
                    {
                        // The mean of the cluster's rows, as the centre plus their mean deviation from it.
                        double step = deviations[j * d + c] / counts[j];
                        shift += step * step;
                        centres[j * d + c] += step;
                    }
                }
            }

            if (shift <= tolerance)
            {
                // The centres have settled: one more pass so that every row is with its nearest final centre.
                inertia = AssignAndSum(data, centres, k, assignment, passes).Values[layout.Inertia];
                break;
            }
        }

        return inertia;
    }

    /// <summary><paramref name="count"/> distinct rows drawn uniformly (a partial Fisher–Yates shuffle), in row order, in double precision.</summary>
    private static DataSet Subsample(DataSet data, int count, Random random)
    {
        int d = data.Dimension;
        var order = new int[data.Rows];
        for (int n = 0; n < order.Length; n++)
        {
            order[n] = n;
        }

        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, order.Length);
            (order[i], order[j]) = (order[j], order[i]);
        }

        Array.Sort(order, 0, count);
        var values = new double[count * d];
        var all = data.RowWeights;
        var weights = all is null ? null : new double[count];
        for (int i = 0; i < count; i++)
        {
            data.CopyRow(order[i], values.AsSpan(i * d, d));
            if (weights is not null)
            {
                weights[i] = all!.Value.Span[order[i]];
            }
        }

        return new DataSet(data.Source, data.ColumnNames, values, count, weights);
    }

    /// <summary>Uniform random responsibilities, normalised per row, then one M-step.</summary>
    public static GaussianMixtureParameters RandomResponsibilities(GaussianMixtureModel model, DataSet data, int seed, ExecutionOptions? execution = null)
    {
        // Every component starts near the mean of all rows, and EM's first iterations, which pull them apart, amplify
        // the start's last bits: summed per block of the data set's partition, this M-step moved the fits of
        // bench/same-numbers.sh's generated data (N = 20,000, four covariance structures) beyond 1e-12 relative (2e-12
        // in a covariance). So
        // its two passes run on the backend as one block of all rows, summed in row order as before; a remote backend
        // would run that block on one machine.
        //
        // Drawn block by block as the M-step asks for them, never N×K at once; the one block's rows come in order, and
        // each of the two passes starts the generator again from the seed, so both see the same draws.
        //
        // Data sharded on disk get one block per shard instead (the partition's groups), so that no block spans two
        // shards' mappings and a machine holding a shard can draw its rows alone: shard g draws from its own generator,
        // seeded from the seed and g (shard 0 from the seed itself, so one shard gives the draws of data held in one piece).
        int k = model.Components;
        var partition = BlockPartition.Create(data.Rows, data.Rows, default, data.ShardStarts.Span);
        var generators = new Random[partition.Count];
        return FromResponsibilityBlocks(model, data, execution ?? ExecutionOptions.Default, partition, (start, count, target) =>
        {
            int block = BlockOf(partition, start);
            if (start == partition[block].Start)
            {
                generators[block] = new Random(block == 0 ? seed : ShardSeed(seed, block));
            }

            var random = generators[block];

            for (int n = 0; n < count; n++)
            {
                double sum = 0;
                for (int j = 0; j < k; j++)
                {
                    double r = random.NextDouble();
                    target[n * k + j] = r;
                    sum += r;
                }

                for (int j = 0; j < k; j++)
                {
                    target[n * k + j] /= sum;
                }
            }
        });
    }

    /// <summary>The block of <paramref name="partition"/> that holds row <paramref name="row"/>.</summary>
    private static int BlockOf(BlockPartition partition, int row)
    {
        int low = 0, high = partition.Count - 1;
        while (low < high)
        {
            int middle = (low + high + 1) / 2;
            if (partition[middle].Start <= row)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    /// <summary>A seed for shard <paramref name="shard"/> ≥ 1 from the start's seed: the pair mixed by a Fibonacci hash, the same in every process.</summary>
    private static int ShardSeed(int seed, int shard) =>
        unchecked((int)(((((ulong)(uint)seed) << 32) | (uint)shard) * 0x9E3779B97F4A7C15UL >> 33));

    /// <summary>
    /// The M-step for given responsibilities (N×K row-major): weights, weighted means, and covariances from
    /// the scatter about those means, with the model's regularisation.
    /// </summary>
    /// <exception cref="ComponentCollapsedException">A component has no responsibility at all.</exception>
    public static GaussianMixtureParameters FromResponsibilities(GaussianMixtureModel model, DataSet data, ReadOnlySpan<double> responsibilities, ExecutionOptions? execution = null)
    {
        int k = model.Components;
        var all = responsibilities.ToArray();
        execution ??= ExecutionOptions.Default;
        return FromResponsibilityBlocks(model, data, execution, execution.Partition(data), (start, count, target) => all.AsSpan(start * k, count * k).CopyTo(target));
    }

    /// <summary>Writes the responsibilities of rows start..start+count−1 (row-major, count×K) to <paramref name="target"/>.</summary>
    private delegate void ResponsibilityFill(int start, int count, Span<double> target);

    /// <summary>
    /// The M-step for responsibilities supplied block by block, in two passes on the execution backend (weighted
    /// means, then moments about them), so that no N×K array is needed: k-means++ gives its hard assignments one
    /// block at a time. Each pass sums row by row within a block of <paramref name="partition"/> and merges the blocks'
    /// sums in block order, so the start is the same on every backend and thread count.
    /// </summary>
    private static GaussianMixtureParameters FromResponsibilityBlocks(GaussianMixtureModel model, DataSet data, ExecutionOptions execution, BlockPartition partition, ResponsibilityFill fill)
    {
        // Rows per call of the moment kernels within a block (the two-pass M-step's working set).
        const int KernelRows = 1024;
        int k = model.Components, d = model.Dimension;
        var stats = model.CreateStatistics();

        // Pass 1: the total weight, K component weights and K×D weighted sums of the rows.
        int sumsAt = 1 + k;
        var first = execution.Backend.Reduce(data, partition, Range.All, execution.Threads, () => new VectorSum(sumsAt + k * d), (block, rows, into) =>
        {
            var sums = into.Values;
            var responsibilities = new double[Math.Min(KernelRows, rows.Rows) * k];
            var x = new double[d];
            for (int start = 0; start < rows.Rows; start += KernelRows)
            {
                int count = Math.Min(KernelRows, rows.Rows - start);
                fill(partition[block].Start + start, count, responsibilities.AsSpan(0, count * k));
                for (int n = 0; n < count; n++)
                {
                    double w = rows.RowWeight(start + n);
                    sums[0] += w;
                    rows.CopyRow(start + n, x);
                    for (int j = 0; j < k; j++)
                    {
                        double r = w * responsibilities[n * k + j];
                        sums[1 + j] += r;
                        for (int c = 0; c < d; c++)
                        {
                            sums[sumsAt + j * d + c] += r * x[c];
                        }
                    }
                }
            }
        }).Values;

        stats.Weight = first[0];
        first.AsSpan(1, k).CopyTo(stats.ComponentWeights);
        var means = first.AsSpan(sumsAt, k * d).ToArray();
        for (int j = 0; j < k; j++)
        {
            if (!(stats.ComponentWeights[j] > 0))
            {
                throw new ComponentCollapsedException(j, stats.ComponentWeights[j], stats.Weight);
            }

            for (int c = 0; c < d; c++)
            {
                means[j * d + c] /= stats.ComponentWeights[j];
            }
        }

        // Pass 2: moments about the responsibility-weighted means, so s₁ ≈ 0 and the M-step below leaves the means as
        // they are; the moment kernels take responsibilities component by component.
        int firstLength = stats.FirstMoments.Length, scatterLength = stats.Scatter.Length;
        var moments = execution.Backend.Reduce(data, partition, Range.All, execution.Threads, () => new VectorSum(firstLength + scatterLength), (block, rows, into) =>
        {
            int blockStart = partition[block].Start;
            var rowMajor = new double[Math.Min(KernelRows, rows.Rows) * k];
            var byComponent = new double[rowMajor.Length];
            using var columns = ColumnBlock.Create(Math.Min(KernelRows, rows.Rows), d, data.Precision);
            for (int start = 0; start < rows.Rows; start += KernelRows)
            {
                int count = Math.Min(KernelRows, rows.Rows - start);
                fill(blockStart + start, count, rowMajor.AsSpan(0, count * k));
                for (int n = 0; n < count; n++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        byComponent[j * count + n] = rowMajor[n * k + j];
                    }
                }

                var slice = rows.Slice(start, count);
                columns.Load(slice);
                model.Structure.AccumulateMoments(slice, columns, byComponent.AsSpan(0, count * k), means, k, into.Values.AsSpan(0, firstLength), into.Values.AsSpan(firstLength, scatterLength));
            }
        }).Values;
        moments.AsSpan(0, firstLength).CopyTo(stats.FirstMoments);
        moments.AsSpan(firstLength, scatterLength).CopyTo(stats.Scatter);

        var uniform = new double[k];
        Array.Fill(uniform, 1.0 / k);
        var identity = new double[k * d * d];
        for (int j = 0; j < k; j++)
        {
            for (int c = 0; c < d; c++)
            {
                identity[j * d * d + c * d + c] = 1;
            }
        }

        var centre = GaussianMixtureParameters.FromFullCovariances(model.Structure, uniform, means, identity, d);
        return model.Maximize(centre, stats);
    }

    /// <summary>
    /// The number of D² draws per centre of greedy k-means++: 2 + ⌊ln K⌋, the choice of Arthur &amp; Vassilvitskii
    /// (2007, sect. 6) that scikit-learn's <c>_kmeans_plusplus</c> makes too.
    /// </summary>
    internal static int GreedyCandidates(int components) => 2 + (int)Math.Log(components);

    /// <summary>
    /// Greedy k-means++ seeding: the first centre is a row drawn with probability ∝ wₙ; each further centre is the best
    /// of <paramref name="candidates"/> rows drawn with probability ∝ wₙDₙ² (Dₙ the distance from row n to its nearest
    /// centre so far), the one whose addition leaves the smallest potential Σₙ wₙDₙ². One draw per centre is plain
    /// k-means++, which on clusters of unequal spread often puts two centres in a wide cluster and none in a narrow
    /// one; the potential test rejects such draws. Writes the K centres and each row's Dₙ² in units of the mean
    /// variance (so that float32 neither flushes tiny distances to zero nor overflows on huge ones).
    /// </summary>
    private static void SeedCentres(DataSet data, int k, Random random, int candidates, double meanVariance, double[] centres, float[] distance, ExecutionOptions execution)
    {
        if (candidates < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(candidates), candidates, "k-means++ needs at least one candidate per centre");
        }

        int d = data.Dimension, rows = data.Rows;
        double unit = meanVariance > 0 ? 1 / meanVariance : 1;
        double[]? rowWeights = data.RowWeights?.ToArray();
        int first = SampleIndex(random, rows, n => rowWeights is null ? 1.0 : rowWeights[n]);
        data.CopyRow(first, centres.AsSpan(0, d));
        Array.Fill(distance, float.PositiveInfinity);
        using var passes = new KMeansPasses(data, candidates, execution);
        DistancePass(data, centres.AsSpan(0, d).ToArray(), 1, unit, distance, false, passes);

        var targets = new double[candidates];
        var drawn = new int[candidates];
        var candidateCentres = new double[candidates * d];
        for (int c = 1; c < k; c++)
        {
            double total = 0;
            for (int n = 0; n < rows; n++)
            {
                total += (rowWeights is null ? 1.0 : rowWeights[n]) * distance[n];
            }

            if (!(total > 0))
            {
                throw new ArgumentException($"the data have fewer than {k} distinct rows, so {k} components cannot be separated; reduce the number of components");
            }

            for (int i = 0; i < candidates; i++)
            {
                targets[i] = random.NextDouble() * total;
            }

            Array.Sort(targets);
            SampleRows(distance, rowWeights, targets, drawn);
            int best = 0;
            if (candidates > 1)
            {
                for (int i = 0; i < candidates; i++)
                {
                    data.CopyRow(drawn[i], candidateCentres.AsSpan(i * d, d));
                }

                // Each candidate's potential, summed per block and over the blocks in order.
                var potentials = DistancePass(data, candidateCentres, candidates, unit, distance, true, passes).Values;
                double bestPotential = double.PositiveInfinity;
                for (int i = 0; i < candidates; i++)
                {
                    double potential = potentials[i];
                    if (potential < bestPotential)
                    {
                        (best, bestPotential) = (i, potential);
                    }
                }
            }

            data.CopyRow(drawn[best], centres.AsSpan(c * d, d));
            DistancePass(data, centres.AsSpan(c * d, d).ToArray(), 1, unit, distance, false, passes);
        }
    }

    /// <summary>
    /// One pass of squared distances from every row to <paramref name="count"/> candidate centres, in units of
    /// 1/<paramref name="unit"/>. Without <paramref name="potentials"/> (one candidate), lowers each row's Dₙ² to its
    /// distance from the candidate and returns no sums; otherwise leaves <paramref name="distance"/> as it is and
    /// returns, per candidate i, Σₙ wₙ·min(Dₙ², ‖xₙ − cᵢ‖²): the potential if cᵢ were added.
    /// </summary>
    private static VectorSum DistancePass(DataSet data, double[] candidateCentres, int count, double unit, float[] distance, bool potentials, KMeansPasses passes)
    {
        int d = data.Dimension;
        return passes.Run(potentials ? count : 0, (start, end, buffers, sums) =>
        {
            var squares = buffers.Distances;
            for (int from = start; from < end; from += ChunkBuffers.BlockRows)
            {
                int rows = Math.Min(ChunkBuffers.BlockRows, end - from);
                var block = data.Block(from, rows);
                buffers.Columns.Load(block);
                for (int i = 0; i < count; i++)
                {
                    // A diagonal Gaussian with unit variances and no normaliser gives −½‖x − c‖².
                    buffers.Columns.DiagonalLogDensities(candidateCentres.AsSpan(i * d, d), [1.0], 0, squares.AsSpan(i * rows, rows));
                }

                for (int n = 0; n < rows; n++)
                {
                    if (!potentials)
                    {
                        distance[from + n] = Math.Min(distance[from + n], (float)(-2 * unit * squares[n]));
                        continue;
                    }

                    double weight = block.RowWeight(n);
                    for (int i = 0; i < count; i++)
                    {
                        sums[i] += weight * Math.Min(distance[from + n], (float)(-2 * unit * squares[(i * rows) + n]));
                    }
                }
            }
        });
    }

    /// <summary>
    /// Rows drawn with probability ∝ wₙDₙ², one per target in [0, Σₙ wₙDₙ²), the targets sorted ascending: row n is
    /// drawn for a target t when the cumulative sum through row n first exceeds t (one scan for all the targets).
    /// </summary>
    private static void SampleRows(float[] distance, double[]? rowWeights, double[] targets, int[] drawn)
    {
        double cumulative = 0;
        int next = 0, last = 0;
        for (int n = 0; n < distance.Length && next < targets.Length; n++)
        {
            double mass = (rowWeights is null ? 1.0 : rowWeights[n]) * distance[n];
            if (mass <= 0)
            {
                continue;
            }

            last = n;
            cumulative += mass;
            while (next < targets.Length && cumulative > targets[next])
            {
                drawn[next++] = n;
            }
        }

        // Rounding can leave the last targets just above the final sum: they take the last row with mass.
        for (; next < targets.Length; next++)
        {
            drawn[next] = last;
        }
    }

    /// <summary>
    /// Assigns every row to its nearest centre and returns, in <see cref="LloydSums"/>' layout, per cluster the
    /// weighted sum of its rows' deviations from the current centre and its weight, the inertia, and a positive
    /// number when some row changed cluster. The squared distances run in the E-step's column kernel (a diagonal
    /// Gaussian with unit variances gives −½‖x − c‖²); blocks of rows run on the execution backend and merge in block
    /// order, so any thread count and backend give the same bits.
    /// </summary>
    private static VectorSum AssignAndSum(DataSet data, double[] centres, int k, float[] assignment, KMeansPasses passes)
    {
        int d = data.Dimension;
        var layout = new LloydSums(k, d);
        return passes.Run(layout.Length, (start, end, buffers, sums) =>
        {
            var columns = buffers.Columns;
            var distances = buffers.Distances;
            var row = buffers.Row;
            var blockDeviations = sums.Slice(0, k * d);
            var blockCounts = sums.Slice(layout.Counts, k);
            bool changed = false;
            double inertia = 0;
            for (int from = start; from < end; from += ChunkBuffers.BlockRows)
            {
                int count = Math.Min(ChunkBuffers.BlockRows, end - from);
                var rows = data.Block(from, count);
                columns.Load(rows);
                for (int j = 0; j < k; j++)
                {
                    columns.DiagonalLogDensities(centres.AsSpan(j * d, d), [1.0], 0, distances.AsSpan(j * count, count));
                }

                for (int n = 0; n < count; n++)
                {
                    int best = 0;
                    for (int j = 1; j < k; j++)
                    {
                        best = distances[j * count + n] > distances[best * count + n] ? j : best;
                    }

                    changed |= best != (int)assignment[from + n];
                    assignment[from + n] = best;

                    // Each row adds only to its own cluster's sums (D values), row by row in order.
                    double weight = rows.RowWeight(n);
                    blockCounts[best] += weight;
                    inertia -= 2 * weight * distances[best * count + n];
                    rows.CopyRow(n, row);
                    var sum = blockDeviations.Slice(best * d, d);
                    var centre = centres.AsSpan(best * d, d);
                    for (int c = 0; c < d; c++)
                    {
                        sum[c] += weight * (row[c] - centre[c]);
                    }
                }
            }

            sums[layout.Changed] = changed ? 1 : 0;
            sums[layout.Inertia] = inertia;
        });
    }

    /// <summary>Where a Lloyd pass's sums sit in its <see cref="VectorSum"/>: K×D deviations, then K counts, the inertia, and the number of blocks in which a row changed cluster.</summary>
    private readonly record struct LloydSums(int Components, int Dimension)
    {
        public int Counts => Components * Dimension;

        public int Inertia => Counts + Components;

        public int Changed => Inertia + 1;

        public int Length => Changed + 1;
    }

    /// <summary>The work of a k-means pass on rows start..end−1: per-row results to the caller's arrays, sums to <c>sums</c>.</summary>
    private delegate void KMeansWork(int start, int end, ChunkBuffers buffers, Span<double> sums);

    /// <summary>
    /// The k-means passes over one data set: blocks of <see cref="LloydChunkRows"/> rows reduced on the execution
    /// backend into a <see cref="VectorSum"/>, and the column buffers (for up to <c>columns</c> centres) that the blocks
    /// borrow, made once per worker rather than once per block.
    /// </summary>
    private sealed class KMeansPasses(DataSet data, int columns, ExecutionOptions execution) : IDisposable
    {
        // Cut shard by shard for data sharded on disk (one group otherwise, as before), so no block spans two shards' mappings.
        private readonly BlockPartition _partition = BlockPartition.Create(data.Rows, LloydChunkRows, default, data.ShardStarts.Span);
        private readonly System.Collections.Concurrent.ConcurrentBag<ChunkBuffers> _buffers = [];

        /// <summary>Runs <paramref name="work"/> on every block and returns its <paramref name="length"/> sums merged in block order.</summary>
        public VectorSum Run(int length, KMeansWork work) =>
            execution.Backend.Reduce(data, _partition, Range.All, execution.Threads, () => new VectorSum(length), (block, _, into) =>
            {
                var buffers = _buffers.TryTake(out var free) ? free : new ChunkBuffers(data, columns);
                try
                {
                    var range = _partition[block];
                    work(range.Start, range.End, buffers, into.Values);
                }
                finally
                {
                    _buffers.Add(buffers);
                }
            });

        public void Dispose()
        {
            while (_buffers.TryTake(out var buffers))
            {
                buffers.Dispose();
            }
        }
    }

    /// <summary>One worker's buffers for the blocks of a chunk: the block's columns, a value per row and centre, one row.</summary>
    private sealed class ChunkBuffers(DataSet data, int centres) : IDisposable
    {
        public const int BlockRows = 256;

        public ColumnBlock Columns { get; } = ColumnBlock.Create(Math.Min(BlockRows, data.Rows), data.Dimension, data.Precision);

        public double[] Distances { get; } = new double[centres * BlockRows];

        public double[] Row { get; } = new double[data.Dimension];

        public void Dispose() => Columns.Dispose();
    }

    /// <summary>
    /// The mean over columns of the (weighted) variance of each column, by two passes on the execution backend (the
    /// weight and the weighted sums, then the squared deviations from the mean), each summed row by row within a block
    /// of the data set's partition and over the blocks in order.
    /// </summary>
    private static double MeanVariance(DataSet data, ExecutionOptions execution)
    {
        int d = data.Dimension;
        var partition = execution.Partition(data);
        var sums = execution.Backend.Reduce(data, partition, Range.All, execution.Threads, () => new VectorSum(1 + d), (_, rows, into) =>
        {
            var row = new double[d];
            var values = into.Values;
            for (int n = 0; n < rows.Rows; n++)
            {
                double w = rows.RowWeight(n);
                values[0] += w;
                rows.CopyRow(n, row);
                for (int c = 0; c < d; c++)
                {
                    values[1 + c] += w * row[c];
                }
            }
        }).Values;

        double total = sums[0];
        var variance = execution.Backend.Reduce(data, partition, Range.All, execution.Threads, () => new VectorSum(1), (_, rows, into) =>
        {
            var row = new double[d];
            double sum = 0;
            for (int n = 0; n < rows.Rows; n++)
            {
                double w = rows.RowWeight(n);
                rows.CopyRow(n, row);
                for (int c = 0; c < d; c++)
                {
                    double deviation = row[c] - (sums[1 + c] / total);
                    sum += w * deviation * deviation;
                }
            }

            into.Values[0] = sum;
        }).Values[0];

        return variance / total / d;
    }

    private static int SampleIndex(Random random, int count, Func<int, double> weight)
    {
        double total = 0;
        for (int n = 0; n < count; n++)
        {
            total += weight(n);
        }

        double target = random.NextDouble() * total;
        double cumulative = 0;
        int last = 0;
        for (int n = 0; n < count; n++)
        {
            double w = weight(n);
            if (w <= 0)
            {
                continue;
            }

            last = n;
            cumulative += w;
            if (cumulative > target)
            {
                return n;
            }
        }

        return last;
    }

    /// <summary>
    /// Gives each empty cluster the row farthest from its own centre, taken from a cluster that keeps at least one row:
    /// one pass on the execution backend per empty cluster, each block's farthest row (the first on a tie) merged in
    /// block order, so the row is the first farthest one in row order on every backend.
    /// </summary>
    private static void ReassignEmptyClusters(DataSet data, float[] assignment, double[] centres, int k, int d, ExecutionOptions execution)
    {
        var sizes = new int[k];
        foreach (double a in assignment)
        {
            sizes[(int)a]++;
        }

        var partition = execution.Partition(data);
        for (int j = 0; j < k; j++)
        {
            if (sizes[j] > 0)
            {
                continue;
            }

            var farthest = execution.Backend.Reduce(data, partition, Range.All, execution.Threads, () => new FarthestRow(), (block, rows, into) =>
            {
                int start = partition[block].Start;
                var row = new double[d];
                for (int n = 0; n < rows.Rows; n++)
                {
                    int cluster = (int)assignment[start + n];
                    if (sizes[cluster] < 2)
                    {
                        continue;
                    }

                    rows.CopyRow(n, row);
                    into.Offer(start + n, SquaredDistance(row, centres.AsSpan(cluster * d, d)));
                }
            });

            if (farthest.Row < 0)
            {
                throw new ArgumentException($"the data have too few rows for {k} components");
            }

            sizes[(int)assignment[farthest.Row]]--;
            assignment[farthest.Row] = j;
            sizes[j] = 1;
        }
    }

    /// <summary>
    /// The row farthest from its centre among those offered (the first offered on a tie), or none (−1). Adding
    /// another set of rows keeps this one's row unless the other's is strictly farther, so merging in block order gives
    /// the first farthest row in row order. Flat form: the distance and the row.
    /// </summary>
    private sealed class FarthestRow : IAdditive<FarthestRow>
    {
        public int Row { get; private set; } = -1;

        public double Distance { get; private set; } = -1;

        public int FlatLength => 2;

        public void Offer(int row, double distance)
        {
            if (distance > Distance)
            {
                (Row, Distance) = (row, distance);
            }
        }

        public void Clear() => (Row, Distance) = (-1, -1);

        public void Add(FarthestRow other) => Offer(other.Row, other.Distance);

        public void WriteFlat(Span<double> destination)
        {
            destination[0] = Distance;
            destination[1] = Row;
        }

        public void ReadFlat(ReadOnlySpan<double> source)
        {
            if (source.Length != FlatLength)
            {
                throw new ArgumentException($"the farthest row is {FlatLength} values, not {source.Length}");
            }

            (Distance, Row) = (source[0], (int)source[1]);
        }
    }

    private static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double diff = a[i] - b[i];
            sum += diff * diff;
        }

        return sum;
    }
}
