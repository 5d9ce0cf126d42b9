using ArchUnitNET.Domain;
using ArchUnitNET.Fluent;
using ArchUnitNET.Fluent.Syntax.Elements.Types;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace LatentFit.Tests.Architecture;

/// <summary>
/// The rules between the parts of the library, as docs/architecture.md draws them. Each rule is built from the
/// namespaces it governs, so the test that shows a rule can fail runs the very rule the library is held to.
/// </summary>
internal static class ArchitectureRules
{
    public const string Root = "LatentFit";

    /// <summary>Optimisers see a flat η, ℓ, ∇ℓ and the EM map (STYLE.md principle 3): no concrete model, no fit set-up, no files, no CLI.</summary>
    public static IArchRule OptimizersSeeNoModel() =>
        Types().That().ResideInNamespaceOrBelow($"{Root}.Optimization")
            .Should().NotDependOnAny(ConcreteModels())
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Fitting"))
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Serialization"))
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Cli"))
            .Because("an optimiser works on any model through the model contract (Models.Abstractions) and FitProblem");

    /// <summary>The library never sees the command line (nor the CLI's console and parser libraries).</summary>
    public static IArchRule LibrarySeesNoCli() =>
        Types().That().ResideInNamespaceOrBelow(Root).And().DoNotResideInNamespaceOrBelow($"{Root}.Cli").And().DoNotResideInNamespaceOrBelow($"{Root}.Tests")
            .Should().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Cli"))
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow("Spectre.Console"))
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow("System.CommandLine"))
            .Because("the library speaks in its own terms and the CLI adds flag names and printing");

    /// <summary>
    /// The library knows nothing of Orleans: the cluster backend, its grains and its hosting live in the
    /// LatentFit.Distributed project (another assembly), which references the library, never the reverse.
    /// </summary>
    public static IArchRule LibrarySeesNoOrleans() =>
        Types().That().ResideInNamespaceOrBelow(Root).And().DoNotResideInNamespaceOrBelow($"{Root}.Distributed")
            .And().DoNotResideInNamespaceOrBelow($"{Root}.Cli").And().DoNotResideInNamespaceOrBelow($"{Root}.Tests")
            .Should().NotDependOnAny(Types().That().ResideInNamespaceOrBelow("Orleans"))
            .Because("the library runs anywhere without a cluster; an Orleans backend is one more IModelExecutionBackend, in its own project");

    /// <summary>Data and numerics know no model, no objective, no optimiser and no fit set-up.</summary>
    public static IArchRule DataAndNumericsKnowNoModel() =>
        Types().That().ResideInNamespaceOrBelow($"{Root}.Data").Or().ResideInNamespaceOrBelow($"{Root}.Numerics")
            .Should().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Models"))
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Fitting"))
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Objectives"))
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Optimization"))
            .Because("data and kernels are shared by every model; a model's specifics live in its own folder");

    /// <summary>Backends move statistics through the model contract, never a concrete model's internals.</summary>
    public static IArchRule ExecutionKnowsOnlyTheContract() =>
        Types().That().ResideInNamespaceOrBelow($"{Root}.Execution")
            .Should().NotDependOnAny(ConcreteModels())
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Fitting"))
            .Because("a backend (local, sharded, a cluster) must serve every model unchanged");

    /// <summary>Serialization (file formats) is below Diagnostics and Fitting.</summary>
    public static IArchRule SerializationIsBelowFitting() =>
        Types().That().ResideInNamespaceOrBelow($"{Root}.Serialization")
            .Should().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Fitting"))
            .AndShould().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Diagnostics"))
            .Because("Fitting → Diagnostics → Serialization point one way, so none of the three imports another in a loop");

    /// <summary>Diagnostics (checks on a problem and θ) is below Fitting.</summary>
    public static IArchRule DiagnosticsIsBelowFitting() =>
        Types().That().ResideInNamespaceOrBelow($"{Root}.Diagnostics")
            .Should().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Fitting"))
            .Because("Fitting → Diagnostics → Serialization point one way, so none of the three imports another in a loop");

    /// <summary>
    /// An emission family (a type named …Emission… in a model's folder) knows no mixture, so that a hidden Markov model
    /// can take the same family unchanged (STYLE.md principle 8): the mixture composes it, never the other way round.
    /// </summary>
    public static IArchRule EmissionFamiliesKnowNoMixture() =>
        Types().That().ResideInNamespaceOrBelow($"{Root}.Models").And().HaveNameContaining("Emission")
            .And().DoNotResideInNamespaceOrBelow($"{Root}.Models.Mixtures")
            .Should().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Models.Mixtures"))
            .AndShould().NotDependOnAny(Types().That().HaveNameContaining("Mixture"))
            .Because("an emission family serves a mixture and a hidden Markov model alike");

    /// <summary>The shared mixture (weights, posterior) and the emission contract know no concrete family.</summary>
    public static IArchRule MixturesKnowNoFamily() =>
        Types().That().ResideInNamespaceOrBelow($"{Root}.Models.Mixtures").Or().ResideInNamespaceOrBelow($"{Root}.Models.Emissions")
            .Should().NotDependOnAny(Types().That().ResideInNamespaceOrBelow($"{Root}.Models").And()
                .DoNotResideInNamespaceOrBelow($"{Root}.Models.Abstractions").And()
                .DoNotResideInNamespaceOrBelow($"{Root}.Models.Mixtures").And()
                .DoNotResideInNamespaceOrBelow($"{Root}.Models.Emissions"))
            .Because("one posterior and one contract serve every emission family");

    /// <summary>Every rule, named for the failure message.</summary>
    public static IEnumerable<(string Name, IArchRule Rule)> All() =>
    [
        (nameof(OptimizersSeeNoModel), OptimizersSeeNoModel()),
        (nameof(LibrarySeesNoCli), LibrarySeesNoCli()),
        (nameof(LibrarySeesNoOrleans), LibrarySeesNoOrleans()),
        (nameof(DataAndNumericsKnowNoModel), DataAndNumericsKnowNoModel()),
        (nameof(ExecutionKnowsOnlyTheContract), ExecutionKnowsOnlyTheContract()),
        (nameof(SerializationIsBelowFitting), SerializationIsBelowFitting()),
        (nameof(DiagnosticsIsBelowFitting), DiagnosticsIsBelowFitting()),
        (nameof(EmissionFamiliesKnowNoMixture), EmissionFamiliesKnowNoMixture()),
        (nameof(MixturesKnowNoFamily), MixturesKnowNoFamily()),
    ];

    /// <summary>Every model's own folder: Models.* except the contract in Models.Abstractions.</summary>
    private static GivenTypesConjunction ConcreteModels() =>
        Types().That().ResideInNamespaceOrBelow($"{Root}.Models").And().DoNotResideInNamespaceOrBelow($"{Root}.Models.Abstractions");
}
