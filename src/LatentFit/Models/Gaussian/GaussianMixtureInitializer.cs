using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Models.Abstractions;

namespace LatentFit.Models.Gaussian;

/// <summary>How the first parameters of a Gaussian mixture fit are chosen.</summary>
public enum InitializationMethod
{
    /// <summary>k-means++ seeding (Arthur &amp; Vassilvitskii 2007) refined by Lloyd's iterations; hard assignments then one M-step.</summary>
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

/// <summary>Initial parameters for a Gaussian mixture from the data, deterministic for a given seed.</summary>
public static class GaussianMixtureInitializer
{
    private const int MaxLloydIterations = 100;

    // Lloyd's iterations stop when the centres move by at most this fraction of the data's mean variance (squared
    // distance summed over the centres), as scikit-learn's KMeans (tol = 1e-4) does, or when no row changes cluster.
    private const double LloydTolerance = 1e-4;

    // Rows per chunk of a Lloyd pass: chunks run in parallel and their sums merge in chunk order (any thread count).
    private const int LloydChunkRows = 4096;

    /// <summary>Initial parameters by the chosen method.</summary>
    public static GaussianMixtureParameters Initialize(GaussianMixtureModel model, DataSet data, InitializationMethod method, int seed, ExecutionOptions? execution = null) => method switch
    {
        InitializationMethod.KMeansPlusPlus => KMeansPlusPlus(model, data, seed, execution),
        InitializationMethod.RandomResponsibilities => RandomResponsibilities(model, data, seed),
        InitializationMethod.Hierarchical => HierarchicalAgglomeration.Initialize(model, data, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <summary>k-means++ centres, refined by Lloyd's algorithm, turned into a mixture by one M-step on the hard assignments.</summary>
    /// <exception cref="ArgumentException">The data have fewer distinct rows than components.</exception>
    public static GaussianMixtureParameters KMeansPlusPlus(GaussianMixtureModel model, DataSet data, int seed, ExecutionOptions? execution = null)
    {
        execution ??= ExecutionOptions.Default;
        int k = model.Components, d = model.Dimension, rows = data.Rows;
        var random = new Random(seed);
        var centres = new double[k * d];
        // Squared distances in float32: they only weight the random draw of the next centre, and at N = 1M the
        // array is 4 MB rather than 8 on top of the data.
        var distance = new float[rows];
        double[]? rowWeights = data.RowWeights?.ToArray();

        // In units of the data's mean variance, so that float32 neither flushes tiny distances to zero nor overflows
        // on huge ones, whatever the data's scale.
        double meanVariance = MeanVariance(data, rowWeights);
        double unit = meanVariance > 0 ? 1 / meanVariance : 1;
        double Weight(int n) => rowWeights is null ? 1.0 : rowWeights[n];

        int first = SampleIndex(random, rows, n => Weight(n));
        var row = new double[d];
        data.CopyRow(first, centres.AsSpan(0, d));
        for (int n = 0; n < rows; n++)
        {
            data.CopyRow(n, row);
            distance[n] = (float)(unit * SquaredDistance(row, centres.AsSpan(0, d)));
        }

        for (int c = 1; c < k; c++)
        {
            // D² sampling: the next centre is row n with probability ∝ wₙ·min_j ‖xₙ − cⱼ‖².
            double total = 0;
            for (int n = 0; n < rows; n++)
            {
                total += Weight(n) * distance[n];
            }

            if (!(total > 0))
            {
                throw new ArgumentException($"the data have fewer than {k} distinct rows, so {k} components cannot be separated; reduce the number of components");
            }

            int next = SampleIndex(random, rows, n => Weight(n) * distance[n]);
            data.CopyRow(next, centres.AsSpan(c * d, d));
            for (int n = 0; n < rows; n++)
            {
                data.CopyRow(n, row);
                distance[n] = Math.Min(distance[n], (float)(unit * SquaredDistance(row, centres.AsSpan(c * d, d))));
            }
        }

        // The distances are done with: their array holds each row's cluster from here on (as a float, exact for
        // K up to 2²⁴), so that k-means needs one N-long array, not two.
        var assignment = distance;
        Array.Fill(assignment, -1);
        double tolerance = LloydTolerance * meanVariance;
        var workspace = new LloydWorkspace(rows, k, d);
        var deviations = workspace.TotalDeviations;
        var counts = workspace.TotalCounts;
        for (int iteration = 0; iteration < MaxLloydIterations; iteration++)
        {
            // One pass: each row to its nearest centre, and each cluster's summed deviations from its centre.
            bool changed = AssignAndSum(data, centres, k, assignment, workspace, execution);
            if (!changed)
            {
                break;
            }

            double shift = 0;
            for (int j = 0; j < k; j++)
            {
                // An emptied cluster keeps its centre; it is fixed up below if it stays empty.
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
                AssignAndSum(data, centres, k, assignment, workspace, execution);
                break;
            }
        }

        ReassignEmptyClusters(data, assignment, centres, k, d);
        return FromResponsibilityBlocks(model, data, (start, count, target) =>
        {
            target.Clear();
            for (int n = 0; n < count; n++)
            {
                target[n * k + (int)assignment[start + n]] = 1;
            }
        });
    }

    /// <summary>Uniform random responsibilities, normalised per row, then one M-step.</summary>
    public static GaussianMixtureParameters RandomResponsibilities(GaussianMixtureModel model, DataSet data, int seed)
    {
        // Drawn block by block as the M-step asks for them, never N×K at once; each of its two passes over the rows
        // starts the generator again from the seed, so both see the same draws.
        int k = model.Components;
        var random = new Random(seed);
        return FromResponsibilityBlocks(model, data, (start, count, target) =>
        {
            if (start == 0)
            {
                random = new Random(seed);
            }

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

    /// <summary>
    /// The M-step for given responsibilities (N×K row-major): weights, weighted means, and covariances from
    /// the scatter about those means, with the model's regularisation.
    /// </summary>
    /// <exception cref="ComponentCollapsedException">A component has no responsibility at all.</exception>
    public static GaussianMixtureParameters FromResponsibilities(GaussianMixtureModel model, DataSet data, ReadOnlySpan<double> responsibilities)
    {
        int k = model.Components;
        var all = responsibilities.ToArray();
        return FromResponsibilityBlocks(model, data, (start, count, target) => all.AsSpan(start * k, count * k).CopyTo(target));
    }

    /// <summary>Writes the responsibilities of rows start..start+count−1 (row-major, count×K) to <paramref name="target"/>.</summary>
    private delegate void ResponsibilityFill(int start, int count, Span<double> target);

    /// <summary>
    /// The M-step for responsibilities supplied block by block, in two passes (weighted means, then moments about
    /// them), so that no N×K array is needed: k-means++ gives its hard assignments one block at a time.
    /// </summary>
    private static GaussianMixtureParameters FromResponsibilityBlocks(GaussianMixtureModel model, DataSet data, ResponsibilityFill fill)
    {
        const int BlockRows = 1024;
        int k = model.Components, d = model.Dimension, rows = data.Rows;
        var stats = model.CreateStatistics();
        var means = new double[k * d];
        var rowWeights = data.RowWeights is { } weights ? weights.Span : default;
        var rowMajor = new double[Math.Min(BlockRows, rows) * k];
        var x = new double[d];
        var byComponent = new double[rowMajor.Length];
        for (int start = 0; start < rows; start += BlockRows)
        {
            int count = Math.Min(BlockRows, rows - start);
            fill(start, count, rowMajor.AsSpan(0, count * k));
            for (int n = 0; n < count; n++)
            {
                double w = rowWeights.IsEmpty ? 1.0 : rowWeights[start + n];
                stats.Weight += w;
                data.CopyRow(start + n, x);
                for (int j = 0; j < k; j++)
                {
                    double r = w * rowMajor[n * k + j];
                    stats.ComponentWeights[j] += r;
                    for (int c = 0; c < d; c++)
                    {
                        means[j * d + c] += r * x[c];
                    }
                }
            }
        }

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

        // Moments about the responsibility-weighted means, so s₁ ≈ 0 and the M-step below leaves the means as they
        // are; the moment kernels take responsibilities component by component.
        for (int start = 0; start < rows; start += BlockRows)
        {
            int count = Math.Min(BlockRows, rows - start);
            fill(start, count, rowMajor.AsSpan(0, count * k));
            for (int n = 0; n < count; n++)
            {
                for (int j = 0; j < k; j++)
                {
                    byComponent[j * count + n] = rowMajor[n * k + j];
                }
            }

            var block = data.Block(start, count);
            using var columns = ColumnBlock.Create(block);
            model.Structure.AccumulateMoments(block, columns, byComponent.AsSpan(0, count * k), means, k, stats.FirstMoments, stats.Scatter);
        }

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
    /// Assigns every row to its nearest centre and writes, per cluster, the weighted sum of its rows' deviations from
    /// the current centre and its weight; true when some row changed cluster. The squared distances and the sums run
    /// in the E-step's column kernels (a diagonal Gaussian with unit variances gives −½‖x − c‖², and hard 0/1
    /// responsibilities give the sums); chunks of rows run in parallel and merge in chunk order, so any thread count
    /// gives the same bits.
    /// </summary>
    private static bool AssignAndSum(DataSet data, double[] centres, int k, float[] assignment, LloydWorkspace workspace, ExecutionOptions execution)
    {
        const int BlockRows = 256;
        int d = data.Dimension, chunks = workspace.Changed.Length, taken = -1;
        var partialDeviations = workspace.Deviations;
        var partialCounts = workspace.Counts;
        var partialChanged = workspace.Changed;
        Array.Clear(partialDeviations);
        Array.Clear(partialCounts);

        // Each worker keeps its buffers for the whole pass and takes chunks from one counter.
        try
        {
            Parallel.For(0, Math.Min(execution.Threads, chunks), new ParallelOptions { MaxDegreeOfParallelism = execution.Threads }, _ =>
            {
                using var columns = ColumnBlock.Create(Math.Min(BlockRows, data.Rows), d, data.Precision);
                var distances = new double[k * BlockRows];
                var indicators = new double[k * BlockRows];
                var unused = new double[d];
                int chunk;
                while ((chunk = Interlocked.Increment(ref taken)) < chunks)
                {
                    AssignChunk(chunk);
                }

                void AssignChunk(int chunk)
                {
                    int start = chunk * LloydChunkRows, end = Math.Min(start + LloydChunkRows, data.Rows);
                    ReadOnlySpan<double> unit = [1.0];
                    var chunkDeviations = partialDeviations.AsSpan(chunk * k * d, k * d);
                    var chunkCounts = partialCounts.AsSpan(chunk * k, k);
                    bool changed = false;
                    for (int from = start; from < end; from += BlockRows)
                    {
                        int count = Math.Min(BlockRows, end - from);
                        var rows = data.Block(from, count);
                        columns.Load(rows);
                        for (int j = 0; j < k; j++)
                        {
                            columns.DiagonalLogDensities(centres.AsSpan(j * d, d), unit, 0, distances.AsSpan(j * count, count));
                        }

                        Array.Clear(indicators);
                        for (int n = 0; n < count; n++)
                        {
                            int best = 0;
                            for (int j = 1; j < k; j++)
                            {
                                best = distances[j * count + n] > distances[best * count + n] ? j : best;
                            }

                            changed |= best != (int)assignment[from + n];
                            assignment[from + n] = best;
                            indicators[best * count + n] = 1;
                            chunkCounts[best] += rows.RowWeight(n);
                        }

                        for (int j = 0; j < k; j++)
                        {
                            columns.AddDiagonalMoments(rows, indicators.AsSpan(j * count, count), centres.AsSpan(j * d, d), chunkDeviations.Slice(j * d, d), unused);
                        }
                    }

                    partialChanged[chunk] = changed;
                }
            });
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }

        var deviations = workspace.TotalDeviations;
        var counts = workspace.TotalCounts;
        Array.Clear(deviations);
        Array.Clear(counts);
        bool any = false;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            for (int i = 0; i < deviations.Length; i++)
            {
                deviations[i] += partialDeviations[(chunk * k * d) + i];
            }

            for (int j = 0; j < k; j++)
            {
                counts[j] += partialCounts[(chunk * k) + j];
            }

            any |= partialChanged[chunk];
        }

        return any;
    }

    /// <summary>The per-chunk and total sums of one Lloyd pass, allocated once for all passes.</summary>
    private sealed class LloydWorkspace(int rows, int components, int dimension)
    {
        public double[] Deviations { get; } = new double[(rows + LloydChunkRows - 1) / LloydChunkRows * components * dimension];

        public double[] Counts { get; } = new double[(rows + LloydChunkRows - 1) / LloydChunkRows * components];

        public bool[] Changed { get; } = new bool[(rows + LloydChunkRows - 1) / LloydChunkRows];

        public double[] TotalDeviations { get; } = new double[components * dimension];

        public double[] TotalCounts { get; } = new double[components];
    }

    /// <summary>The mean over columns of the (weighted) variance of each column, by two passes.</summary>
    private static double MeanVariance(DataSet data, double[]? rowWeights)
    {
        int d = data.Dimension;
        var mean = new double[d];
        var row = new double[d];
        double total = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            double w = rowWeights is null ? 1.0 : rowWeights[n];
            total += w;
            data.CopyRow(n, row);
            for (int c = 0; c < d; c++)
            {
                mean[c] += w * row[c];
            }
        }

        double variance = 0;
        for (int n = 0; n < data.Rows; n++)
        {
            double w = rowWeights is null ? 1.0 : rowWeights[n];
            data.CopyRow(n, row);
            for (int c = 0; c < d; c++)
            {
                double deviation = row[c] - (mean[c] / total);
                variance += w * deviation * deviation;
            }
        }

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

    /// <summary>Gives each empty cluster the row farthest from its own centre, taken from a cluster that keeps at least one row.</summary>
    private static void ReassignEmptyClusters(DataSet data, float[] assignment, double[] centres, int k, int d)
    {
        var sizes = new int[k];
        var row = new double[d];
        foreach (double a in assignment)
        {
            sizes[(int)a]++;
        }

        for (int j = 0; j < k; j++)
        {
            if (sizes[j] > 0)
            {
                continue;
            }

            int farthest = -1;
            double farthestDistance = -1;
            for (int n = 0; n < assignment.Length; n++)
            {
                int cluster = (int)assignment[n];
                if (sizes[cluster] < 2)
                {
                    continue;
                }

                data.CopyRow(n, row);
                double distance = SquaredDistance(row, centres.AsSpan(cluster * d, d));
                if (distance > farthestDistance)
                {
                    farthestDistance = distance;
                    farthest = n;
                }
            }

            if (farthest < 0)
            {
                throw new ArgumentException($"the data have too few rows for {k} components");
            }

            sizes[(int)assignment[farthest]]--;
            assignment[farthest] = j;
            sizes[j] = 1;
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
