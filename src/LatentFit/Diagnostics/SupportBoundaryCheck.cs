using LatentFit.Objectives;

namespace LatentFit.Diagnostics;

/// <summary>Result of <see cref="SupportBoundaryCheck"/>, per coordinate of η and summed up.</summary>
/// <param name="SurrogateGradient">∇Q(θ | θ) from the E-step at η (what Fisher's identity would call ∇ℓ).</param>
/// <param name="ForwardDifferences">(ℓ(η + hᵢeᵢ) − ℓ(η)) / hᵢ; −∞ where the step leaves a row outside every support.</param>
/// <param name="BackwardDifferences">(ℓ(η) − ℓ(η − hᵢeᵢ)) / hᵢ; +∞ where the step leaves a row outside every support.</param>
/// <param name="LogLikelihood">ℓ(η).</param>
/// <param name="Passes">E-step passes the check used.</param>
public sealed record SupportBoundaryReport(double[] SurrogateGradient, double[] ForwardDifferences, double[] BackwardDifferences, double LogLikelihood, double Passes)
{
    /// <summary>Coordinates in which a one-sided difference is not finite: ℓ jumps to −∞ on that side.</summary>
    public int JumpCoordinates => Enumerable.Range(0, SurrogateGradient.Length)
        .Count(i => !double.IsFinite(ForwardDifferences[i]) || !double.IsFinite(BackwardDifferences[i]));

    /// <summary>
    /// max over coordinates and sides of |∇Qᵢ − dᵢ|, over the largest |∇Qᵢ| and finite |dᵢ| (∞ when ℓ jumps to −∞ on a
    /// side, NaN when nothing is finite). Where ℓ is differentiable this is of the order of the steps (1e-5).
    /// </summary>
    public double MaxRelativeDiscrepancy
    {
        get
        {
            double difference = 0, scale = 0;
            for (int i = 0; i < SurrogateGradient.Length; i++)
            {
                foreach (double side in (ReadOnlySpan<double>)[ForwardDifferences[i], BackwardDifferences[i]])
                {
                    difference = Math.Max(difference, Math.Abs(SurrogateGradient[i] - side));
                    scale = double.IsFinite(side) ? Math.Max(scale, Math.Abs(side)) : scale;
                }

                scale = Math.Max(scale, Math.Abs(SurrogateGradient[i]));
            }

            return scale > 0 ? difference / scale : difference;
        }
    }
}

/// <summary>
/// Where Fisher's identity cannot hold because a parameter moves the support of the density (docs/theory.md, "Where
/// Fisher's identity fails"): compares ∇Q(θ | θ), which the E-step gives, with one-sided differences of ℓ itself in each
/// coordinate of η, with h = 10⁻⁵ of the coordinate's natural scale (<see cref="FitProblem.FiniteDifferenceSteps"/>).
/// </summary>
/// <remarks>
/// One-sided, not central: at EM's fixed point every endpoint sits on a data point, so ℓ is −∞ on the side where the
/// interval would lose that point and smooth on the other. A central difference would mix −∞ with a finite value into a
/// meaningless −∞ or NaN; the two one-sided quotients show the jump and, separately, the finite slope on the side where
/// ℓ is smooth. Away from data points (a random θ) both sides agree with ∇Q to O(h), as the identity says almost
/// everywhere; it is at the maximum EM reaches that it fails.
/// </remarks>
public static class SupportBoundaryCheck
{
    /// <summary>Compares the two at η; needs a model that evaluates Q (<see cref="FitProblem.HasCompleteData"/>).</summary>
    /// <exception cref="NotSupportedException">The model does not evaluate Q.</exception>
    /// <exception cref="Models.Abstractions.ModelFailureException">ℓ(η) is not finite.</exception>
    public static SupportBoundaryReport Run(FitProblem problem, ReadOnlySpan<double> eta)
    {
        double passes = problem.Passes;
        int p = eta.Length;
        var surrogate = problem.CompleteData(eta);
        var gradient = new double[p];
        surrogate.ValueAndGradient(eta, gradient);
        double value = surrogate.LogLikelihood;
        var steps = problem.FiniteDifferenceSteps(eta, 1e-5);
        var point = eta.ToArray();
        var forward = new double[p];
        var backward = new double[p];
        for (int i = 0; i < p; i++)
        {
            double h = steps[i];
            point[i] = eta[i] + h;
            forward[i] = (problem.Value(point) - value) / h;
            point[i] = eta[i] - h;
            backward[i] = (value - problem.Value(point)) / h;
            point[i] = eta[i];
        }

        return new SupportBoundaryReport(gradient, forward, backward, value, problem.Passes - passes);
    }
}
