using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using LatentFit.Data;
using ArchitectureModel = ArchUnitNET.Domain.Architecture;

namespace LatentFit.Tests.Architecture;

/// <summary>The library holds the rules of docs/architecture.md; and a rule broken on purpose is reported.</summary>
public sealed class ArchitectureTests
{
    private static readonly Lazy<ArchitectureModel> Library = new(() => new ArchLoader().LoadAssemblies(typeof(DataSet).Assembly).Build());

    private static readonly Lazy<ArchitectureModel> LibraryWithProbes = new(() =>
        new ArchLoader().LoadAssemblies(typeof(DataSet).Assembly, typeof(ArchitectureTests).Assembly).Build());

    public static TheoryData<string> RuleNames() => [.. ArchitectureRules.All().Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Library_HoldsRule(string name)
    {
        ArchitectureRules.All().Single(r => r.Name == name).Rule.Check(Library.Value);
    }

    [Fact]
    public void OptimizersSeeNoModel_OptimizerUsingGaussianModel_IsReported()
    {
        var rule = ArchitectureRules.OptimizersSeeNoModel();
        Assert.False(rule.HasNoViolations(LibraryWithProbes.Value));
        var failure = Assert.ThrowsAny<Exception>(() => rule.Check(LibraryWithProbes.Value));
        Assert.Contains(typeof(global::LatentFit.Optimization.ArchitectureProbe.ModelAwareOptimizerProbe).FullName!, failure.Message);
    }

    [Fact]
    public void LibrarySeesNoOrleans_BackendUsingAGrainType_IsReported()
    {
        var failure = Assert.ThrowsAny<Exception>(() => ArchitectureRules.LibrarySeesNoOrleans().Check(LibraryWithProbes.Value));
        Assert.Contains(typeof(global::LatentFit.Execution.ArchitectureProbe.OrleansAwareBackendProbe).FullName!, failure.Message);
    }

    [Fact]
    public void Library_ReferencesNoOrleansAssembly()
    {
        // The rule above reads types as ArchUnitNET sees them; this reads the compiled assembly's references, a
        // second view that does not depend on that analysis.
        var references = typeof(DataSet).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.DoesNotContain(references, name => name.StartsWith("Orleans", StringComparison.Ordinal) || name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
    }

    [Fact]
    public void DataAndNumericsKnowNoModel_KernelUsingPoissonModel_IsReported()
    {
        var failure = Assert.ThrowsAny<Exception>(() => ArchitectureRules.DataAndNumericsKnowNoModel().Check(LibraryWithProbes.Value));
        Assert.Contains(typeof(global::LatentFit.Numerics.ArchitectureProbe.ModelAwareKernelProbe).FullName!, failure.Message);
    }

    [Fact]
    public void MixturesKnowNoFamily_PosteriorUsingGaussianFamily_IsReported()
    {
        var failure = Assert.ThrowsAny<Exception>(() => ArchitectureRules.MixturesKnowNoFamily().Check(LibraryWithProbes.Value));
        Assert.Contains(typeof(global::LatentFit.Models.Mixtures.ArchitectureProbe.FamilyAwarePosteriorProbe).FullName!, failure.Message);
    }

    [Fact]
    public void EmissionFamiliesKnowNoMixture_EmissionUsingPoissonMixture_IsReported()
    {
        var failure = Assert.ThrowsAny<Exception>(() => ArchitectureRules.EmissionFamiliesKnowNoMixture().Check(LibraryWithProbes.Value));
        Assert.Contains(typeof(global::LatentFit.Models.Poisson.ArchitectureProbe.MixtureAwareEmissionProbe).FullName!, failure.Message);
    }
}
