using LatentFit.Fitting;
using LatentFit.Objectives;
using LatentFit.Tracing;
using ScottPlot;

namespace LatentFit.Cli.Reporting;

/// <summary>The report's figures, drawn with ScottPlot and saved as PNG and SVG.</summary>
internal static class ComparisonPlots
{
    public const int Width = 900;
    public const int Height = 560;

    /// <summary>What a convergence plot puts on its horizontal axis.</summary>
    public enum Axis
    {
        Iterations,
        Passes,
        Seconds,
    }

    /// <summary>
    /// log₁₀(ℓ* − ℓ) against log₁₀ of iterations, passes or seconds, one line per algorithm; ℓ* is the best ℓ any
    /// run reached, and gaps below 10⁻¹⁴|ℓ*| (rounding) are drawn at that floor.
    /// </summary>
    public static Plot Convergence(AlgorithmComparisonResult comparison, Axis axis, string title)
    {
        double best = comparison.Results.SelectMany(r => r.Trace).Max(t => t.LogLikelihood);
        double floor = 1e-14 * Math.Max(1, Math.Abs(best));
        var plot = NewPlot(title);
        double lowest = double.PositiveInfinity, highest = double.NegativeInfinity;
        foreach (var result in comparison.Results)
        {
            var records = result.Trace.Where(t => double.IsFinite(t.LogLikelihood)).ToArray();
            var xs = records.Select(t => Math.Log10(Horizontal(t, axis))).ToArray();
            var ys = records.Select(t => Math.Log10(Math.Max(best - t.LogLikelihood, floor))).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = result.Algorithm;
            line.LineWidth = 2;
            lowest = Math.Min(lowest, ys.DefaultIfEmpty(0).Min());
            highest = Math.Max(highest, ys.DefaultIfEmpty(0).Max());
        }

        plot.XLabel(axis switch
        {
            Axis.Iterations => "iterations + 1 (log scale)",
            Axis.Passes => "passes over the data (log scale)",
            _ => "seconds (log scale)",
        });
        plot.YLabel("ℓ* − ℓ (log scale)");
        plot.Axes.Left.TickGenerator = DecadeTicks(Math.Floor(lowest), Math.Ceiling(highest));
        plot.Axes.Bottom.TickGenerator = DecadeTicks(
            Math.Floor(comparison.Results.SelectMany(r => r.Trace).Min(t => Math.Log10(Horizontal(t, axis)))),
            Math.Ceiling(comparison.Results.SelectMany(r => r.Trace).Max(t => Math.Log10(Horizontal(t, axis)))));
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>
    /// The fitted density over the data: for one column, the data's frequencies (bars, for counts) or histogram
    /// against the fitted density; for two, the data as points under contours of the fitted density. Null for more.
    /// </summary>
    public static Plot? Density(ModelSpecification specification, FitProblem problem, ReadOnlySpan<double> eta, string title)
    {
        var data = specification.Data;
        var etaCopy = eta.ToArray();
        if (data.Dimension == 1)
        {
            return OneDimensional(specification, problem, etaCopy, title);
        }

        if (data.Dimension != 2)
        {
            return null;
        }

        var plot = NewPlot(title);
        var xs = Enumerable.Range(0, data.Rows).Select(n => data[n, 0]).ToArray();
        var ys = Enumerable.Range(0, data.Rows).Select(n => data[n, 1]).ToArray();
        var (x0, x1) = Padded(xs);
        var (y0, y1) = Padded(ys);
        const int grid = 100;
        var surface = new Coordinates3d[grid, grid];
        for (int i = 0; i < grid; i++)
        {
            for (int j = 0; j < grid; j++)
            {
                double x = x0 + (x1 - x0) * j / (grid - 1), y = y0 + (y1 - y0) * i / (grid - 1);
                surface[i, j] = new Coordinates3d(x, y, Math.Exp(problem.LogDensity(etaCopy, [x, y])));
            }
        }

        var contours = plot.Add.ContourLines(surface, 12);
        contours.LineColor = Colors.SteelBlue;
        contours.LabelStyle.IsVisible = false;
        var points = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, 4, Colors.Black.WithAlpha(0.5));
        points.LegendText = "data";
        plot.XLabel(data.ColumnNames[0]);
        plot.YLabel(data.ColumnNames[1]);
        return plot;
    }

    private static Plot OneDimensional(ModelSpecification specification, FitProblem problem, double[] eta, string title)
    {
        var data = specification.Data;
        var plot = NewPlot(title);
        var values = Enumerable.Range(0, data.Rows).Select(n => data[n, 0]).ToArray();
        var weights = data.RowWeights is { } w ? w.ToArray() : Enumerable.Repeat(1.0, data.Rows).ToArray();
        double total = weights.Sum();
        bool counts = values.All(v => v == Math.Floor(v) && v >= 0) && values.Max() <= 1000;
        if (counts)
        {
            // Observed frequency of each count against the fitted probability mass.
            var frequencies = values.Zip(weights).GroupBy(p => p.First).OrderBy(g => g.Key).ToArray();
            var bars = plot.Add.Bars(frequencies.Select(g => g.Key).ToArray(), frequencies.Select(g => g.Sum(p => p.Second) / total).ToArray());
            bars.LegendText = "observed frequency";
            var support = Enumerable.Range(0, (int)values.Max() + 2).Select(v => (double)v).ToArray();
            var fitted = plot.Add.ScatterLine(support, support.Select(v => Math.Exp(problem.LogDensity(eta, [v]))).ToArray(), Colors.OrangeRed);
            fitted.LegendText = "fitted probability";
            fitted.LineWidth = 2;
            fitted.MarkerSize = 7;
            plot.YLabel("probability");
        }
        else
        {
            var (x0, x1) = Padded(values);
            const int bins = 30;
            double width = (x1 - x0) / bins;
            var heights = new double[bins];
            for (int n = 0; n < values.Length; n++)
            {
                heights[Math.Clamp((int)((values[n] - x0) / width), 0, bins - 1)] += weights[n] / (total * width);
            }

            var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(b => x0 + (b + 0.5) * width).ToArray(), heights);
            bars.LegendText = "histogram";
            var grid = Enumerable.Range(0, 300).Select(i => x0 + (x1 - x0) * i / 299).ToArray();
            var fitted = plot.Add.ScatterLine(grid, grid.Select(x => Math.Exp(problem.LogDensity(eta, [x]))).ToArray(), Colors.OrangeRed);
            fitted.LegendText = "fitted density";
            fitted.LineWidth = 2;
            plot.YLabel("density");
        }

        plot.XLabel(data.ColumnNames[0]);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    public static void Save(Plot plot, string directory, string name)
    {
        plot.SavePng(Path.Combine(directory, name + ".png"), Width, Height);
        plot.SaveSvg(Path.Combine(directory, name + ".svg"), Width, Height);
    }

    private static Plot NewPlot(string title)
    {
        var plot = new Plot();

        // DejaVu Sans has the mathematical letters the labels use (ℓ, θ); ScottPlot's default serif face may not.
        plot.Font.Set("DejaVu Sans");
        plot.Title(title);
        return plot;
    }

    private static double Horizontal(TraceRecord record, Axis axis) => axis switch
    {
        Axis.Iterations => record.Iteration + 1,
        Axis.Passes => Math.Max(record.Passes, 1),
        _ => Math.Max(record.Seconds, 1e-5),
    };

    private static ScottPlot.TickGenerators.NumericManual DecadeTicks(double from, double to)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        int step = Math.Max(1, (int)Math.Ceiling((to - from) / 10));
        for (double e = from; e <= to; e += step)
        {
            ticks.AddMajor(e, $"1e{e:0}");
        }

        return ticks;
    }

    private static (double Low, double High) Padded(double[] values)
    {
        double low = values.Min(), high = values.Max(), pad = 0.08 * Math.Max(high - low, 1e-9);
        return (low - pad, high + pad);
    }
}
