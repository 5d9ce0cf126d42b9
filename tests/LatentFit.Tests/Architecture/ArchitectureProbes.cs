using LatentFit.Models.Gaussian;
using LatentFit.Models.Poisson;

// Deliberately wrong dependencies, placed in namespaces the rules govern, so that ArchitectureTests can show each rule
// reports them. They live in the test assembly only and are loaded only by the tests that look for them.
namespace LatentFit.Optimization.ArchitectureProbe
{
    /// <summary>An "optimiser" that reaches into a concrete model: what OptimizersSeeNoModel must refuse.</summary>
    internal static class ModelAwareOptimizerProbe
    {
        public static int Components(GaussianMixtureModel model) => model.Components;
    }
}

namespace LatentFit.Numerics.ArchitectureProbe
{
    /// <summary>A "kernel" that knows a model: what DataAndNumericsKnowNoModel must refuse.</summary>
    internal static class ModelAwareKernelProbe
    {
        public static int Components(PoissonMixtureModel model) => model.Components;
    }
}

namespace LatentFit.Models.Mixtures.ArchitectureProbe
{
    /// <summary>A "posterior" that knows the Gaussian family: what MixturesKnowNoFamily must refuse.</summary>
    internal static class FamilyAwarePosteriorProbe
    {
        public static int Components(GaussianEmissionFamily family) => family.Components;
    }
}

namespace LatentFit.Models.Poisson.ArchitectureProbe
{
    /// <summary>An emission type that reaches for its mixture: what EmissionFamiliesKnowNoMixture must refuse.</summary>
    internal static class MixtureAwareEmissionProbe
    {
        public static int Components(PoissonMixtureModel model) => model.Components;
    }
}

namespace Orleans.ArchitectureProbe
{
    /// <summary>Stands for an Orleans type: the rule governs by namespace, and the test assembly references no Orleans package.</summary>
    internal interface IGrainStandIn
    {
    }
}

namespace LatentFit.Execution.ArchitectureProbe
{
    /// <summary>A "backend" in the library that talks to Orleans: what LibrarySeesNoOrleans must refuse (it belongs in LatentFit.Distributed).</summary>
    internal static class OrleansAwareBackendProbe
    {
        public static bool IsGrain(object target) => target is Orleans.ArchitectureProbe.IGrainStandIn;
    }
}
