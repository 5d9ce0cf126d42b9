using LatentFit.Data;
using LatentFit.Fitting;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Fitting;

/// <summary>The model catalog: names, settings per family, start files, the checks each family supports, and messages in the library's terms.</summary>
public sealed class ModelCatalogTests
{
    private static string TempFile(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"latentfit-catalog-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return path;
    }

    [Theory]
    [InlineData("gmm", "faithful")]
    [InlineData("poisson", "death_notices")]
    public void Create_EachFamily_SpecificationOfThatFamily(string name, string data)
    {
        var family = ModelCatalog.Get(name);
        var specification = family.Create(new ModelSettings { Data = EmbeddedDatasets.Load(data) });
        Assert.Same(family, specification.Family);
        Assert.Equal(name, specification.ModelName);
        Assert.Equal(2, specification.Components);
    }

    [Fact]
    public void Get_UnknownName_RefusedListingEveryName()
    {
        var error = Assert.Throws<SettingException>(() => ModelCatalog.Get("hsmm"));
        Assert.Contains("\"hsmm\"", error.Message);
        Assert.Contains("gmm, poisson", error.Message);
        Assert.Equal([FitSetting.Model], error.Settings);
    }

    [Fact]
    public void Create_PoissonStartFile_IsTheFixedStart()
    {
        string path = TempFile("{\"weights\": [0.3, 0.7], \"rates\": [1.0, 2.5]}");
        try
        {
            var specification = ModelCatalog.Get("poisson").Create(new ModelSettings { Data = TestData.DeathNotices, StartFile = path, Restarts = 5 });
            Assert.True(specification.HasFixedStart);
            Assert.Equal(1, specification.Starts);
            var problem = specification.CreateProblem();
            var eta = specification.InitialParameters(problem, 0);

            // η of a Poisson mixture: log-rates and the logit of the weights against the last (the file's numbers, by hand).
            Assert.Equal([Math.Log(0.3 / 0.7), Math.Log(1.0), Math.Log(2.5)], eta.Order().ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Create_StartFileDisagreesWithComponents_RefusedNamingBoth()
    {
        string path = TempFile("{\"weights\": [0.5, 0.5], \"means\": [[2, 55], [4.3, 80]], \"covariances\": [[[0.1, 0], [0, 30]], [[0.2, 0], [0, 40]]]}");
        try
        {
            var error = Assert.Throws<SettingException>(() => ModelCatalog.Get("gmm").Create(new ModelSettings { Data = TestData.Faithful, StartFile = path, Components = 3 }));
            Assert.Contains("K = 3", error.Message);
            Assert.Contains($"2 components in {path}", error.Message);
            Assert.Equal([FitSetting.Components], error.Settings);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("gmm", "faithful", true)]
    [InlineData("poisson", "death_notices", false)]
    public void XuJordanCheck_RunsWhereTheFamilyListsIt(string name, string data, bool supported)
    {
        var family = ModelCatalog.Get(name);
        Assert.Equal(supported, family.Checks.Contains(ModelCheck.XuJordan));
        var specification = family.Create(new ModelSettings { Data = EmbeddedDatasets.Load(data) });
        var problem = specification.CreateExactProblem();
        var report = specification.XuJordanCheck(problem, specification.RandomParameters(problem));
        Assert.Equal(supported, report is not null);
        if (report is not null)
        {
            // Xu & Jordan (1996), eq. 10: the EM step is P(θ)∇ℓ, to rounding.
            Assert.True(report.Passed(1e-9));
        }
    }

    [Fact]
    public void Create_UnknownCovariance_RefusedInLibraryTerms()
    {
        var error = Assert.Throws<SettingException>(() => ModelCatalog.Get("gmm").Create(new ModelSettings { Data = TestData.Faithful, Covariance = "banded" }));
        Assert.Contains("full, tied, diag, spherical", error.Message);
        Assert.DoesNotContain("--", error.Message);
        Assert.Equal([FitSetting.Covariance], error.Settings);
    }

    [Fact]
    public void Create_PoissonOnTwoColumns_RefusedNamingTheColumnSetting()
    {
        var error = Assert.Throws<DataFormatException>(() => ModelCatalog.Get("poisson").Create(new ModelSettings { Data = TestData.Faithful }));
        Assert.Contains("one column of counts", error.Message);
        Assert.DoesNotContain("--", error.Message);
        Assert.Equal([FitSetting.Columns], error.Settings);
    }

    [Fact]
    public void Families_SettingsAndNames_AsDocumented()
    {
        Assert.Equal(["gmm", "poisson", "hmm", "uniform-mixture"], ModelCatalog.Names);
        Assert.Empty(ModelCatalog.Get("uniform-mixture").Settings);
        Assert.Same(ModelCatalog.Get("gmm"), ModelCatalog.Default);
        Assert.Empty(ModelCatalog.Get("poisson").Settings);
        Assert.True(Enum.GetValues<ModelSetting>().Where(s => s != ModelSetting.Emission).All(ModelCatalog.Get("gmm").Accepts));
        Assert.False(ModelCatalog.Get("gmm").Accepts(ModelSetting.Emission));
        Assert.Equal([ModelSetting.Covariance, ModelSetting.Regularization, ModelSetting.Emission], ModelCatalog.Get("hmm").Settings.Order());
    }
}
