namespace LatentFit.Models.Poisson;

/// <summary>Immutable emission parameters of K Poisson components (or states): rates λₖ &gt; 0.</summary>
public sealed class PoissonEmissionParameters
{
    private readonly double[] _rates;

    private PoissonEmissionParameters(double[] rates) => _rates = rates;

    /// <summary>K.</summary>
    public int Components => _rates.Length;

    /// <summary>Rates λₖ.</summary>
    public ReadOnlySpan<double> Rates => _rates;

    /// <summary>Takes ownership of rates that are already valid.</summary>
    internal static PoissonEmissionParameters Own(double[] rates) => new(rates);
}
