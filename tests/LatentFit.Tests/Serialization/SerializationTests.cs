using System.Text;
using LatentFit.Data;
using LatentFit.Fitting;
using LatentFit.Models.Gaussian;
using LatentFit.Optimization.Abstractions;
using LatentFit.Optimization.Em;
using LatentFit.Serialization;
using LatentFit.Tests.Support;

namespace LatentFit.Tests.Serialization;

public sealed class SerializationTests
{
    [Theory]
    [InlineData("full")]
    [InlineData("tied")]
    [InlineData("diag")]
    [InlineData("spherical")]
    public void WriteThenRead_Parameters_RoundTripExactly(string name)
    {
        Assert.True(CovarianceStructure.TryParse(name, out var structure));
        var specification = new GaussianMixtureSpecification(new GaussianMixtureFitSettings { Data = TestData.Iris, Components = 3, Structure = structure });
        var fit = ModelFitter.Fit(specification, new ExpectationMaximizationOptimizer(), new FitOptions { MaxIterations = 3, RelativeTolerance = 0 });
        using var stream = new MemoryStream();
        ModelJson.Write(stream, fit, specification, new FitMetadata("em", "kmeans++"));
        var back = GaussianMixtureParameterReader.Read(stream.ToArray(), "model.json", structure);
        var fitted = ((LatentFit.Objectives.FitProblem<GaussianMixtureParameters, GaussianMixtureStatistics>)fit.Problem).ToParameters(fit.Result.Parameters);
        Assert.Equal(fitted.Weights.ToArray(), back.Weights.ToArray());
        Assert.Equal(fitted.Means.ToArray(), back.Means.ToArray());
        Assert.Equal(fitted.Covariances.ToArray(), back.Covariances.ToArray());
    }

    [Fact]
    public void WriteThenRead_PoissonParameters_RoundTripExactly()
    {
        var specification = new PoissonMixtureSpecification(TestData.DeathNotices, 2);
        var fit = ModelFitter.Fit(specification, new ExpectationMaximizationOptimizer(), new FitOptions { MaxIterations = 5, RelativeTolerance = 0 });
        using var stream = new MemoryStream();
        ModelJson.Write(stream, fit, specification, new FitMetadata("em", "quantiles"));
        var back = PoissonMixtureJson.Read(stream.ToArray(), "model.json");
        var fitted = ((LatentFit.Objectives.FitProblem<LatentFit.Models.Poisson.PoissonMixtureParameters, LatentFit.Models.Poisson.PoissonMixtureStatistics>)fit.Problem).ToParameters(fit.Result.Parameters);
        Assert.Equal(fitted.Weights.ToArray(), back.Weights.ToArray());
        Assert.Equal(fitted.Rates.ToArray(), back.Rates.ToArray());
        Assert.Contains("\"model\": \"poisson\"", System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Read_FullMatricesIntoDiagonal_RefusedWithReason()
    {
        var json = Encoding.UTF8.GetBytes("{\"weights\":[1],\"means\":[[0,0]],\"covariances\":[[[1,0.5],[0.5,1]]]}");
        var error = Assert.Throws<DataFormatException>(() => GaussianMixtureParameterReader.Read(json, "init.json", DiagonalCovariance.Instance));
        Assert.StartsWith("init.json: a diagonal covariance needs zero off-diagonal entries", error.Message);
    }

    [Fact]
    public void Read_MissingPropertyOrBadNumber_NamesIt()
    {
        Assert.Contains("missing property \"means\"", Assert.Throws<DataFormatException>(() => GaussianMixtureParameterReader.Read("{\"weights\":[1]}"u8, "init.json", FullCovariance.Instance)).Message);
        Assert.Contains("weights[1]: expected a finite number, found \"x\"", Assert.Throws<DataFormatException>(() => GaussianMixtureParameterReader.Read("{\"weights\":[0.5,\"x\"]}"u8, "init.json", FullCovariance.Instance)).Message);
        Assert.Contains("weights: must sum to 1", Assert.Throws<DataFormatException>(() => GaussianMixtureParameterReader.Read("{\"weights\":[0.5,0.6],\"means\":[[0],[1]],\"covariances\":[[[1]],[[1]]]}"u8, "init.json", FullCovariance.Instance)).Message);
    }

    [Fact]
    public void AtomicWrite_FailingWriter_LeavesEarlierFileAndNoTemporary()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"latentfit-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "out.json");
            File.WriteAllText(path, "earlier");
            Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
            {
                stream.Write("half"u8);
                throw new InvalidOperationException("fails midway");
            }));
            Assert.Equal("earlier", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(directory));
            AtomicFile.WriteAllText(path, "new");
            Assert.Equal("new", File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void TraceCsv_NonFiniteAndNotes_Escaped()
    {
        string csv = TraceCsv.Format([new LatentFit.Tracing.TraceRecord(0, -1.5, double.NaN, 1, 0.25, "say \"hi\"")]);
        Assert.Equal("iteration,logLikelihood,gradientNorm,passes,seconds,note\n0,-1.5,,1,0.25,\"say \"\"hi\"\"\"\n", csv);
    }
}
