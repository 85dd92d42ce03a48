using CotPipeline.IntegrationTests.Infrastructure;

namespace CotPipeline.IntegrationTests.LocalHost;

/// <summary>Test classes that share one running CotLocal (and its Azurite): each uses batch ids of its own.</summary>
[CollectionDefinition(Name)]
public sealed class LocalHostCollection : ICollectionFixture<LocalHostFixture>
{
    public const string Name = "CotLocal over Azurite";
}
