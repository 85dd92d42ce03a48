using CotPipeline.Llm;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CotPipeline.Tests.Llm;

public sealed class LlmOptionsTests
{
    [Fact]
    public void Problems_Defaults_NoneAndOffline()
    {
        var options = new LlmOptions();

        Assert.Empty(options.Problems());
        Assert.Equal(LlmProvider.Offline, options.Provider);
        Assert.Equal(0.2, options.Temperature);
        Assert.Equal(1500, options.MaxOutputTokens);
        Assert.Equal(TimeSpan.FromSeconds(90), options.RequestTimeout);
        Assert.Equal(5, options.MaxRetries);
    }

    [Fact]
    public void Problems_OpenAICompatibleWithoutEndpointAndModel_NamesBothSettings()
    {
        var problems = new LlmOptions { Provider = LlmProvider.OpenAICompatible }.Problems();

        Assert.Contains("Llm:Endpoint is required when Llm:Provider is OpenAICompatible.", problems);
        Assert.Contains("Llm:Model (the model name) is required when Llm:Provider is OpenAICompatible.", problems);
    }

    [Fact]
    public void Problems_AzureWithoutModel_AsksForDeploymentName()
    {
        var problems = new LlmOptions { Provider = LlmProvider.AzureOpenAI, Endpoint = "https://x.openai.azure.com/" }.Problems();

        Assert.Equal(["Llm:Model (the deployment name) is required when Llm:Provider is AzureOpenAI."], problems);
    }

    [Theory]
    [InlineData("localhost:8000/v1")]
    [InlineData("ftp://example.org/")]
    [InlineData("/v1")]
    public void Problems_EndpointNotHttpUrl_Named(string endpoint)
    {
        var problems = new LlmOptions { Provider = LlmProvider.OpenAICompatible, Endpoint = endpoint, Model = "m" }.Problems();

        Assert.Equal([$"Llm:Endpoint \"{endpoint}\" must be an absolute http or https URL."], problems);
    }

    [Fact]
    public void Problems_RequestTimeoutNearVisibilityTimeout_Named()
    {
        var problems = new LlmOptions { RequestTimeout = TimeSpan.FromMinutes(5) }.Problems();

        Assert.Contains(problems, p => p.StartsWith("Llm:RequestTimeout:", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_OutOfRangeNumbers_EachNamed()
    {
        var problems = new LlmOptions { Temperature = 3, MaxRetries = 50, MaxOutputTokens = 1 }.Problems();

        Assert.Contains(problems, p => p.StartsWith("Llm:Temperature:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Llm:MaxRetries:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Llm:MaxOutputTokens:", StringComparison.Ordinal));
    }

    [Fact]
    public void AddRationaleModel_NoConfiguration_OfflineModel()
    {
        using var services = Services([]);

        Assert.IsType<OfflineRationaleModel>(services.GetRequiredService<IRationaleModel>());
    }

    [Fact]
    public void AddRationaleModel_OpenAICompatible_ChatModelWithConfiguredName()
    {
        using var services = Services(new()
        {
            ["Llm:Provider"] = "OpenAICompatible",
            ["Llm:Endpoint"] = "http://localhost:8000/v1",
            ["Llm:Model"] = "qwen2.5-7b-instruct",
            ["Llm:RequestTimeout"] = "00:00:30",
        });

        var model = Assert.IsType<ChatRationaleModel>(services.GetRequiredService<IRationaleModel>());
        Assert.Equal("qwen2.5-7b-instruct", model.Model);
        Assert.Equal(TimeSpan.FromSeconds(30), services.GetRequiredService<IOptions<LlmOptions>>().Value.RequestTimeout);
    }

    [Fact]
    public void AddRationaleModel_InvalidSettings_ValidationFailsNamingSetting()
    {
        using var services = Services(new() { ["Llm:Provider"] = "OpenAICompatible", ["Llm:Model"] = "m" });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LlmOptions>>().Value);

        Assert.Contains("Llm:Endpoint is required when Llm:Provider is OpenAICompatible.", ex.Failures);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddLogging()
            .AddRationaleModel(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
}
