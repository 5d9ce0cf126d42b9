using System.Runtime.CompilerServices;
using LatentFit.Data;
using LatentFit.Execution;
using LatentFit.Numerics;

namespace LatentFit.Models.Gaussian;

/// <summary>
/// Model-based agglomerative hierarchical clustering with the VVV (unconstrained covariance) criterion (Fraley 1998,
/// "Algorithms for model-based Gaussian hierarchical clustering", SIAM J. Sci. Comput. 20:270–281), as mclust's
/// <c>Mclust()</c> runs it to start EM: on at most <see cref="MaxRows"/> rows, after mclust's default "SVD"
/// transformation of the data, with mclust's regularisation of the criterion; cut at K clusters, then one M-step on
/// the hard assignments.
/// </summary>
/// <remarks>
/// Written here because no .NET library does model-based hierarchical clustering: the hierarchical clusterings that
/// exist merge by a distance between clusters (single, complete, average linkage, Ward), not by the change in a
/// Gaussian classification likelihood with a per-cluster covariance. mclust's Fortran (<c>hcvvv</c>) keeps each
/// cluster's scatter as a Cholesky factor updated by Givens rotations; here each cluster keeps its scatter matrix W,
/// the merged scatter is W_a + W_b + (n_a n_b / n) δδᵀ (δ = μ_a − μ_b), and its determinant comes from one Cholesky
/// factorisation (D³/6 operations) per candidate merge, none at all while the merged cluster has at most D rows (the
/// criterion then needs only the trace). Each merge re-prices the merged cluster against the others, O(g) candidates
/// for g clusters, and finds the next merge from per-column minima in O(g): O(N²) candidates in all, not O(N³).
/// </remarks>
public static class HierarchicalAgglomeration
{
    /// <summary>Largest number of rows clustered: mclust's <c>mclust.options("subset")</c>; larger data are subsampled.</summary>
    public const int MaxRows = 2000;

    // mclust's hcVVV(alpha = 1, beta = 1): α is scaled by the data's mean variance below.
    private const double Alpha = 1;
    private const double Beta = 1;

    // R's .Machine$double.eps, mclust's floor for α.
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// The mixture from the K-cluster cut: hierarchical clustering of all rows, or of <see cref="MaxRows"/> rows drawn
    /// with <paramref name="seed"/> when there are more (as <c>Mclust()</c> does), then one M-step on those rows'
    /// hard assignments. Rows of weight 0 take no part. Deterministic; for N ≤ <see cref="MaxRows"/> it does not depend on
    /// the seed.
    /// </summary>
    /// <exception cref="ArgumentException">There are fewer rows than components.</exception>
    public static GaussianMixtureParameters Initialize(GaussianMixtureModel model, DataSet data, int seed, ExecutionOptions? execution = null) => Initialize(model, data, seed, MaxRows, execution);

    /// <summary><see cref="Initialize(GaussianMixtureModel, DataSet, int, ExecutionOptions?)"/> with another row limit (tests: the subset path on small data).</summary>
    internal static GaussianMixtureParameters Initialize(GaussianMixtureModel model, DataSet data, int seed, int maxRows, ExecutionOptions? execution = null)
    {
        int k = model.Components, d = data.Dimension;

        // Rows of weight 0 are left out: they carry no mass (a cluster of them has no covariance to measure, and the
        // criterion's n·log(det(W/n) …) is 0·∞ there), and they add nothing to the M-step either.
        var positive = data.RowWeights is { } rowWeights
            ? Enumerable.Range(0, data.Rows).Where(r => rowWeights.Span[r] > 0).ToArray()
            : null;
        var rows = SampleRows(positive?.Length ?? data.Rows, seed, maxRows);
        if (positive is not null)
        {
            rows = Array.ConvertAll(rows, i => positive[i]);
        }

        var labels = Partition(data, k, rows);
        var clustered = data;
        if (rows.Length < data.Rows)
        {
            // The M-step on the subset only, as Mclust() does (mstep on data[subset, ] before its first E-step).
            var values = new double[rows.Length * d];
            double[]? weights = data.RowWeights is null ? null : new double[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                data.CopyRow(rows[i], values.AsSpan(i * d, d));
                if (weights is not null)
                {
                    weights[i] = data.RowWeights!.Value.Span[rows[i]];
                }
            }

            clustered = new DataSet(data.Source, data.ColumnNames, values, rows.Length, weights);
        }

        var responsibilities = new double[labels.Length * k];
        for (int i = 0; i < labels.Length; i++)
        {
            responsibilities[i * k + labels[i]] = 1;
        }

        return GaussianMixtureInitializer.FromResponsibilities(model, clustered, responsibilities, execution);
    }

    /// <summary>
    /// The rows clustered: all of them in order, or <see cref="MaxRows"/> of them drawn without replacement with
    /// <paramref name="seed"/>, in ascending order.
    /// </summary>
    public static int[] SampleRows(int rows, int seed) => SampleRows(rows, seed, MaxRows);

    /// <summary><see cref="SampleRows(int, int)"/> with another row limit.</summary>
    internal static int[] SampleRows(int rows, int seed, int maxRows)
    {
        if (rows <= maxRows)
        {
            return Enumerable.Range(0, rows).ToArray();
        }

        // Floyd's algorithm (Bentley 1987, "A sample of brilliance", CACM 30:754): a uniform sample without
        // replacement in O(maxRows) memory, however many rows there are.
        var random = new Random(seed);
        var chosen = new HashSet<int>(maxRows);
        for (int j = rows - maxRows; j < rows; j++)
        {
            int candidate = random.Next(0, j + 1);
            chosen.Add(chosen.Contains(candidate) ? j : candidate);
        }

        var sample = chosen.ToArray();
        Array.Sort(sample);
        return sample;
    }

    /// <summary>
    /// The K-cluster partition of the given rows (all rows when null) by model-based agglomeration with the VVV
    /// criterion on mclust's SVD-transformed data: the labels (0..K−1, in order of first appearance) of the rows in
    /// the order given. Equals mclust's <c>hclass(hc(X, "VVV", use = "SVD"), K)</c> up to the labels' names, except
    /// where two merges tie to rounding error. Row weights count as a cluster's mass (a row of weight w as w
    /// coincident rows that start merged).
    /// </summary>
    /// <exception cref="ArgumentException">There are fewer rows than clusters, or a row has a weight that is not positive.</exception>
    public static int[] Partition(DataSet data, int clusters, IReadOnlyList<int>? rows = null)
    {
        rows ??= Enumerable.Range(0, data.Rows).ToArray();
        if (clusters < 1 || clusters > rows.Count)
        {
            throw new ArgumentException($"hierarchical clustering of {rows.Count} rows cannot give {clusters} clusters; reduce the number of components");
        }

        var weights = new double[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            weights[i] = data.RowWeights is { } w ? w.Span[rows[i]] : 1.0;
            if (!(weights[i] > 0))
            {
                throw new ArgumentException($"hierarchical clustering needs rows of positive weight, but row {rows[i] + 1} of {data.Source} has weight {weights[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}; leave such rows out");
            }
        }

        var z = SvdTransform(data, rows, weights, out int p);
        return new Agglomeration(z, weights, p).Run(clusters);
    }

    /// <summary>
    /// mclust's <c>hc(use = "SVD")</c> (its default <c>mclust.options("hcUse")</c>): each column centred and divided by
    /// its standard deviation (divisor N − 1; constant columns dropped), then Z = X V S^(−1/2) with X = U S Vᵀ the
    /// singular value decomposition of the standardised data. The columns of Z are uncorrelated with sums of squares
    /// equal to the singular values, so the criterion below sees a partly, not fully, whitened data set. V and S come
    /// from the eigen-decomposition XᵀX = V S² Vᵀ (D×D); directions with a singular value below 1e−10 of the largest
    /// (linearly dependent columns, where mclust's Z would be infinite) are dropped.
    /// </summary>
    private static double[] SvdTransform(DataSet data, IReadOnlyList<int> rows, double[] weights, out int dimension)
    {
        int n = rows.Count, d = data.Dimension;
        var x = new double[n * d];
        double mass = 0;
        var mean = new double[d];
        for (int i = 0; i < n; i++)
        {
            data.CopyRow(rows[i], x.AsSpan(i * d, d));
            mass += weights[i];
            for (int c = 0; c < d; c++)
            {
                mean[c] += weights[i] * x[i * d + c];
            }
        }

        var kept = new List<int>();
        var scale = new double[d];
        for (int c = 0; c < d; c++)
        {
            mean[c] /= mass;
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                double deviation = x[i * d + c] - mean[c];
                sum += weights[i] * deviation * deviation;
            }

            // R's sd(): divisor N − 1.
            double sd = Math.Sqrt(sum / (mass > 1 ? mass - 1 : mass));
            if (sd > 0)
            {
                kept.Add(c);
                scale[c] = 1 / sd;
            }
        }

        int q = kept.Count;
        var standardised = new double[n * q];
        var crossProduct = new double[q * q];
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < q; a++)
            {
                standardised[i * q + a] = (x[i * d + kept[a]] - mean[kept[a]]) * scale[kept[a]];
            }

            for (int a = 0; a < q; a++)
            {
                for (int b = a; b < q; b++)
                {
                    crossProduct[a * q + b] += weights[i] * standardised[i * q + a] * standardised[i * q + b];
                }
            }
        }

        DenseMatrix.SymmetrizeFromUpper(crossProduct, q);
        var eigenvalues = new double[q];
        var eigenvectors = new double[q * q];
        DenseMatrix.SymmetricEigen(crossProduct, q, eigenvalues, eigenvectors);
        double largest = q > 0 ? Math.Sqrt(Math.Max(eigenvalues[q - 1], 0)) : 0;
        var directions = new List<(int Index, double Factor)>();
        for (int k = q - 1; k >= 0; k--)
        {
            double singular = Math.Sqrt(Math.Max(eigenvalues[k], 0));
            if (singular > 1e-10 * largest)
            {
                directions.Add((k, 1 / Math.Sqrt(singular)));
            }
        }

        dimension = directions.Count;
        if (dimension == 0)
        {
            throw new ArgumentException("every column is constant; hierarchical clustering has nothing to separate");
        }

        var z = new double[n * dimension];
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < dimension; t++)
            {
                var (k, factor) = directions[t];
                double sum = 0;
                for (int a = 0; a < q; a++)
                {
                    sum += standardised[i * q + a] * eigenvectors[a * q + k];
                }

                z[i * dimension + t] = sum * factor;
            }
        }

        return z;
    }

    /// <summary>
    /// The merge loop. Clusters occupy slots 0..g−1; the cost of merging slots i &lt; j is kept in a packed triangle
    /// (column j, row i), and each column keeps its smallest cost, so that finding the cheapest merge costs O(g) rather
    /// than O(g²). After merging slots a &lt; b the result takes slot a and the last slot moves into b, as mclust's
    /// <c>hcvvv</c> does; ties go to the merge last in column-major order, also as there, so that the same merges are
    /// chosen when costs tie exactly (duplicate rows).
    /// </summary>
    private sealed class Agglomeration
    {
        private readonly int _p;
        private readonly double _alpha;
        private readonly double[] _mass;
        private readonly int[] _count;
        private readonly double[] _mean;
        private readonly double[] _scatter;
        private readonly double[] _trace;
        private readonly double[] _term;
        private readonly int[] _head;
        private readonly int[] _tail;
        private readonly int[] _next;
        private readonly double[] _cost;
        private readonly double[] _columnMinimum;
        private readonly int[] _columnArgument;
        private readonly double[] _merged;
        private readonly double[] _difference;
        private int _slots;

        public Agglomeration(double[] z, double[] weights, int p)
        {
            int n = weights.Length;
            _p = p;
            _slots = n;
            _mass = (double[])weights.Clone();
            _count = Enumerable.Repeat(1, n).ToArray();
            _mean = z;
            _scatter = new double[n * p * p];
            _trace = new double[n];
            _term = new double[n];
            _head = Enumerable.Range(0, n).ToArray();
            _tail = Enumerable.Range(0, n).ToArray();
            _next = Enumerable.Repeat(-1, n).ToArray();
            _cost = new double[(long)n * (n - 1) / 2];
            _columnMinimum = new double[n];
            _columnArgument = new int[n];
            _merged = new double[p * p];
            _difference = new double[p];

            // mclust's hcVVV: alpha · traceW(Z / √(N p)), the within-data scatter's trace per value; at least ε.
            double mass = weights.Sum(), total = 0;
            for (int c = 0; c < p; c++)
            {
                double mean = 0;
                for (int i = 0; i < n; i++)
                {
                    mean += weights[i] * z[i * p + c];
                }

                mean /= mass;
                for (int i = 0; i < n; i++)
                {
                    double deviation = z[i * p + c] - mean;
                    total += weights[i] * deviation * deviation;
                }
            }

            _alpha = Math.Max(Alpha * total / (mass * p), MachineEpsilon);
            for (int i = 0; i < n; i++)
            {
                _term[i] = Term(_mass[i], 1, 0, 0);
            }
        }

        /// <summary>Merges until <paramref name="clusters"/> remain; each row's cluster, numbered by first appearance.</summary>
        // Fully optimised from the first call: the merge loop runs once per start, too few calls for tiering to help.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int[] Run(int clusters)
        {
            for (int j = 1; j < _slots; j++)
            {
                for (int i = 0; i < j; i++)
                {
                    _cost[Index(i, j)] = MergeCost(i, j, out _);
                }

                RescanColumn(j);
            }

            while (_slots > clusters)
            {
                int b = 1;
                for (int j = 2; j < _slots; j++)
                {
                    if (_columnMinimum[j] <= _columnMinimum[b])
                    {
                        b = j;
                    }
                }

                Merge(_columnArgument[b], b);
            }

            var labels = Enumerable.Repeat(-1, _next.Length).ToArray();
            var cluster = new int[_slots];
            for (int s = 0; s < _slots; s++)
            {
                for (int row = _head[s]; row >= 0; row = _next[row])
                {
                    labels[row] = s;
                }
            }

            // Renumber by first appearance, as mclust's partconv(consec = TRUE) does.
            Array.Fill(cluster, -1);
            int named = 0;
            for (int row = 0; row < labels.Length; row++)
            {
                if (cluster[labels[row]] < 0)
                {
                    cluster[labels[row]] = named++;
                }

                labels[row] = cluster[labels[row]];
            }

            return labels;
        }

        private static long Index(int i, int j) => ((long)j * (j - 1) / 2) + i;

        /// <summary>
        /// One cluster's part of the criterion: mclust's <c>vvvtij</c>, n · log(det(W/n) + β (tr W + α)/n), where the
        /// determinant counts only when the cluster has more rows than dimensions (W is singular otherwise). Fraley
        /// (1998) §3 minimises Σ n_k log det(W_k/n_k); mclust's α and β keep the term finite for small clusters.
        /// </summary>
        private double Term(double mass, int count, double trace, double logDeterminant)
        {
            double regularised = Math.Log(Beta * (trace + _alpha) / mass);
            if (count <= _p || double.IsNegativeInfinity(logDeterminant))
            {
                return mass * regularised;
            }

            double determinant = logDeterminant - (_p * Math.Log(mass));
            double larger = Math.Max(determinant, regularised), smaller = Math.Min(determinant, regularised);
            return mass * (larger + Math.Log(1 + Math.Exp(smaller - larger)));
        }

        /// <summary>The change in the criterion when slots a and b merge; the merged cluster's trace in <paramref name="trace"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private double MergeCost(int a, int b, out double trace)
        {
            int p = _p;
            double massA = _mass[a], massB = _mass[b], mass = massA + massB;
            double factor = massA * massB / mass, distance = 0;
            for (int c = 0; c < p; c++)
            {
                double diff = _mean[a * p + c] - _mean[b * p + c];
                _difference[c] = diff;
                distance += diff * diff;
            }

            trace = _trace[a] + _trace[b] + (factor * distance);
            int count = _count[a] + _count[b];
            double logDeterminant = double.NegativeInfinity;
            if (count > p)
            {
                // W = W_a + W_b + (n_a n_b / n) δδᵀ, lower triangle only: TryCholesky reads no more.
                var wa = _scatter.AsSpan(a * p * p, p * p);
                var wb = _scatter.AsSpan(b * p * p, p * p);
                for (int r = 0; r < p; r++)
                {
                    double scaled = factor * _difference[r];
                    for (int c = 0; c <= r; c++)
                    {
                        _merged[r * p + c] = wa[r * p + c] + wb[r * p + c] + (scaled * _difference[c]);
                    }
                }

                if (DenseMatrix.TryCholesky(_merged, p))
                {
                    logDeterminant = DenseMatrix.LogDeterminantFromCholesky(_merged, p);
                }
            }

            return Term(mass, count, trace, logDeterminant) - _term[a] - _term[b];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Merge(int a, int b)
        {
            int p = _p, last = _slots - 1;
            double cost = MergeCost(a, b, out double trace);
            double massA = _mass[a], massB = _mass[b], mass = massA + massB, factor = massA * massB / mass;
            var wa = _scatter.AsSpan(a * p * p, p * p);
            var wb = _scatter.AsSpan(b * p * p, p * p);
            for (int r = 0; r < p; r++)
            {
                double diff = _mean[a * p + r] - _mean[b * p + r];
                for (int c = 0; c <= r; c++)
                {
                    wa[r * p + c] += wb[r * p + c] + (factor * diff * (_mean[a * p + c] - _mean[b * p + c]));
                }
            }

            for (int c = 0; c < p; c++)
            {
                _mean[a * p + c] = ((massA * _mean[a * p + c]) + (massB * _mean[b * p + c])) / mass;
            }

            _term[a] += _term[b] + cost;
            _trace[a] = trace;
            _mass[a] = mass;
            _count[a] += _count[b];
            _next[_tail[a]] = _head[b];
            _tail[a] = _tail[b];

            if (b != last)
            {
                // The last slot moves into b, its costs with it.
                _mass[b] = _mass[last];
                _count[b] = _count[last];
                _trace[b] = _trace[last];
                _term[b] = _term[last];
                _head[b] = _head[last];
                _tail[b] = _tail[last];
                _mean.AsSpan(last * p, p).CopyTo(_mean.AsSpan(b * p, p));
                _scatter.AsSpan(last * p * p, p * p).CopyTo(_scatter.AsSpan(b * p * p, p * p));
                for (int i = 0; i < b; i++)
                {
                    _cost[Index(i, b)] = _cost[Index(i, last)];
                }

                for (int j = b + 1; j < last; j++)
                {
                    _cost[Index(b, j)] = _cost[Index(j, last)];
                }
            }

            _slots--;
            for (int i = 0; i < a; i++)
            {
                _cost[Index(i, a)] = MergeCost(i, a, out _);
            }

            for (int j = a + 1; j < _slots; j++)
            {
                _cost[Index(a, j)] = MergeCost(a, j, out _);
            }

            // Column minima: a's column is new, b's column came from the last slot; every later column changed in row
            // a, and past b also in row b.
            if (a > 0)
            {
                RescanColumn(a);
            }

            if (b < _slots)
            {
                RescanColumn(b);
            }

            for (int j = a + 1; j < _slots; j++)
            {
                if (j == b)
                {
                    continue;
                }

                bool movedRow = b < j && b != last;
                if (_columnArgument[j] == a || (movedRow && _columnArgument[j] == b))
                {
                    RescanColumn(j);
                    continue;
                }

                Consider(j, a);
                if (movedRow)
                {
                    Consider(j, b);
                }
            }
        }

        /// <summary>Lets row i of column j become the column's minimum; on a tie the later row wins, as in mclust.</summary>
        private void Consider(int j, int i)
        {
            double value = _cost[Index(i, j)];
            if (value < _columnMinimum[j] || (value == _columnMinimum[j] && i > _columnArgument[j]))
            {
                _columnMinimum[j] = value;
                _columnArgument[j] = i;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RescanColumn(int j)
        {
            long start = Index(0, j);
            double minimum = _cost[start];
            int argument = 0;
            for (int i = 1; i < j; i++)
            {
                if (_cost[start + i] <= minimum)
                {
                    minimum = _cost[start + i];
                    argument = i;
                }
            }

            _columnMinimum[j] = minimum;
            _columnArgument[j] = argument;
        }
    }
}
