using LatentFit.Data;
using LatentFit.Models.Abstractions;

namespace LatentFit.Tests.Support;

/// <summary>Statistics of <see cref="UniformEndpointModel"/>: the largest observation and the count.</summary>
internal sealed class UniformEndpointStatistics : ISufficientStatistics<UniformEndpointStatistics>
{
    public double Maximum { get; set; } = double.NegativeInfinity;

    public double LogLikelihood { get; set; }

    public double Weight { get; set; }

    public void Clear()
    {
        Maximum = double.NegativeInfinity;
        LogLikelihood = 0;
        Weight = 0;
    }

    public void Add(UniformEndpointStatistics other)
    {
        Maximum = Math.Max(Maximum, other.Maximum);
        LogLikelihood += other.LogLikelihood;
        Weight += other.Weight;
    }

    // The maximum is not a sum: it has no scaled form (online EM does not apply to this model).
    public void AddScaled(UniformEndpointStatistics other, double factor) => throw new NotSupportedException("the sample maximum cannot be scaled");

    public void Scale(double factor) => throw new NotSupportedException("the sample maximum cannot be scaled");

    public int FlatLength => 3;

    public void WriteFlat(Span<double> destination)
    {
        destination[0] = Maximum;
        destination[1] = LogLikelihood;
        destination[2] = Weight;
    }

    public void ReadFlat(ReadOnlySpan<double> source)
    {
        Maximum = source[0];
        LogLikelihood = source[1];
        Weight = source[2];
    }
}

/// <summary>
/// U(0, b) with η = log b: the endpoint moves the support, so Fisher's identity fails (ℓ is −∞ below the
/// largest observation and not differentiable there). A real instance of the case the contract must refuse.
/// </summary>
internal sealed class UniformEndpointModel : ILatentVariableModel<double, UniformEndpointStatistics>
{
    public int ParameterCount => 1;

    public GradientSupport GradientSupport { get; } = GradientSupport.NotDefined("the endpoint b of U(0, b) moves the support of the density, so ∇Q(θ|θₜ) at θₜ is not ∇ℓ");

    public UniformEndpointStatistics CreateStatistics() => new();

    public void Accumulate(double theta, DataBlock rows, UniformEndpointStatistics into)
    {
        for (int n = 0; n < rows.Rows; n++)
        {
            double x = rows.Row(n)[0];
            into.Maximum = Math.Max(into.Maximum, x);
            into.LogLikelihood += x >= 0 && x <= theta ? -Math.Log(theta) : double.NegativeInfinity;
            into.Weight += 1;
        }
    }

    public double Maximize(double current, UniformEndpointStatistics stats) => stats.Maximum;

    public void Gradient(double current, UniformEndpointStatistics stats, Span<double> gradient) =>
        throw new InvalidOperationException("no gradient");

    public void ToUnconstrained(double theta, Span<double> eta) => eta[0] = Math.Log(theta);

    public double FromUnconstrained(ReadOnlySpan<double> eta) => Math.Exp(eta[0]);
}
