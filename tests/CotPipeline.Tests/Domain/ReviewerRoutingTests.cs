using System.Text.Json.Nodes;
using CotPipeline.Domain;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CotPipeline.Tests.Domain;

public sealed class ReviewerRoutingTests
{
    private static readonly ReviewerRouting CardiologyFallbacks = new(
        new Dictionary<string, IReadOnlyList<string>> { ["Cardiology"] = ["emergency", "internal-medicine"] }, AnyDepartmentLast: true);

    [Theory]
    [InlineData("cardiology", 0)]
    [InlineData("*", 0)]
    [InlineData("neurology|CARDIOLOGY", 0)]
    [InlineData("emergency", 1)]
    [InlineData("internal-medicine|emergency", 1)]
    [InlineData("internal-medicine", 2)]
    [InlineData("dermatology", 3)]
    public void Rank_DepartmentThenFallbacksInOrderThenAnyone(string reviewerDepartments, int expected) =>
        Assert.Equal(expected, CardiologyFallbacks.Rank(reviewerDepartments, "cardiology"));

    [Fact]
    public void Rank_AnyDepartmentLastOff_OthersMayNotReview()
    {
        var routing = CardiologyFallbacks with { AnyDepartmentLast = false };

        Assert.Null(routing.Rank("dermatology", "cardiology"));
        Assert.Equal(2, routing.Rank("internal-medicine", "cardiology"));
        Assert.Null(routing.Rank("emergency", "neurology"));
        Assert.Equal(0, routing.Rank("*", "neurology"));
    }

    [Fact]
    public void Rank_DepartmentWithoutFallbacks_OwnDepartmentThenAnyone()
    {
        Assert.Equal(0, CardiologyFallbacks.Rank("neurology", "neurology"));
        Assert.Equal(1, CardiologyFallbacks.Rank("emergency", "neurology"));
    }

    [Fact]
    public void From_BoundConfiguration_KeepsOrderAndMatchesAnyCase()
    {
        var pipeline = Bind(new()
        {
            ["Pipeline:DepartmentFallbacks:心内科:0"] = "急诊科",
            ["Pipeline:DepartmentFallbacks:心内科:1"] = "全科",
            ["Pipeline:DepartmentFallbacks:Cardiology:0"] = "internal-medicine",
            ["Pipeline:DepartmentFallbacks:Cardiology:1"] = "emergency",
            ["Pipeline:AnyDepartmentLast"] = "false",
        });

        var routing = ReviewerRouting.From(pipeline);

        Assert.False(routing.AnyDepartmentLast);
        Assert.Equal(["急诊科", "全科"], routing.DepartmentFallbacks["心内科"]);
        Assert.Equal(1, routing.Rank("internal-medicine", "CARDIOLOGY"));
        Assert.Equal(2, routing.Rank("emergency", "cardiology"));
    }

    [Fact]
    public void Problems_Defaults_NoneAndAnyDepartmentLast()
    {
        var pipeline = new PipelineOptions();

        Assert.Empty(pipeline.Problems());
        Assert.Empty(pipeline.DepartmentFallbacks);
        Assert.True(pipeline.AnyDepartmentLast);
    }

    [Fact]
    public void Problems_BadFallbacks_EachNamesItsSetting()
    {
        var pipeline = new PipelineOptions
        {
            DepartmentFallbacks = new()
            {
                ["cardiology"] = ["emergency", "Cardiology", "*", "a|b", "EMERGENCY", ""],
                ["*"] = ["emergency"],
                ["a;b"] = ["emergency"],
            },
        };

        Assert.Equal(
            [
                "Pipeline:DepartmentFallbacks:cardiology:1: \"Cardiology\" is the department itself; list only other departments.",
                "Pipeline:DepartmentFallbacks:cardiology:2: \"*\" is not a department; Pipeline:AnyDepartmentLast lets any department review last.",
                "Pipeline:DepartmentFallbacks:cardiology:3: \"a|b\" is not a department name (at most 64 characters each; no '|', ';' or control characters).",
                "Pipeline:DepartmentFallbacks:cardiology:4: \"EMERGENCY\" is already listed at Pipeline:DepartmentFallbacks:cardiology:0.",
                "Pipeline:DepartmentFallbacks:cardiology:5: \"\" is not a department name (at most 64 characters each; no '|', ';' or control characters).",
                "Pipeline:DepartmentFallbacks:*: \"*\" is not a department; list fallbacks under each department they serve.",
                "Pipeline:DepartmentFallbacks:a;b: \"a;b\" is not a department name (at most 64 characters each; no '|', ';' or control characters).",
            ],
            pipeline.Problems());
    }

    [Fact]
    public void AddCotPipeline_BadFallbackSetting_FailsNamingItAndAnnotationsStillChecked()
    {
        var services = Services(new()
        {
            ["Pipeline:DepartmentFallbacks:cardiology:0"] = "cardiology",
            ["Pipeline:StrikeCap"] = "0",
        });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PipelineOptions>>().Value);

        Assert.Contains("Pipeline:DepartmentFallbacks:cardiology:0: \"cardiology\" is the department itself; list only other departments.", ex.Failures);
        Assert.Contains(ex.Failures, f => f.StartsWith("Pipeline:StrikeCap: ", StringComparison.Ordinal));
    }

    [Fact]
    public void BatchSettings_SnapshotRoundTrip_KeepsRouting()
    {
        var pipeline = new PipelineOptions { AnyDepartmentLast = false, DepartmentFallbacks = new() { ["cardiology"] = ["emergency"] } };
        var settings = BatchSettings.From(RubricOptions.Default(), pipeline, "offline-template");

        var read = Json.Deserialize<BatchSettings>(Json.Serialize(settings));

        Assert.False(read.Routing.AnyDepartmentLast);
        Assert.Equal(1, read.Routing.Rank("emergency", "Cardiology"));
    }

    [Fact]
    public void BatchSettings_SnapshotWrittenBeforeRouting_ReadsWithTheDefault()
    {
        var json = JsonNode.Parse(Json.Serialize(BatchSettings.From(RubricOptions.Default(), new PipelineOptions(), "offline-template")))!.AsObject();
        Assert.True(json.Remove("routing"));

        var read = Json.Deserialize<BatchSettings>(json.ToJsonString());

        Assert.True(read.Routing.AnyDepartmentLast);
        Assert.Empty(read.Routing.DepartmentFallbacks);
        Assert.Equal(1, read.Routing.Rank("neurology", "cardiology"));
    }

    private static PipelineOptions Bind(Dictionary<string, string?> settings) =>
        Services(settings).GetRequiredService<IOptions<PipelineOptions>>().Value;

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration)
            .AddCotPipeline(configuration).BuildServiceProvider();
    }
}
