namespace CotPipeline.Benchmarks;

/// <summary>Runs a scenario inside one of the shared test fixtures (Azurite, the local host), stopping it however the scenario ends.</summary>
internal static class Fixtures
{
    public static async Task<T> WithAsync<TFixture, T>(TFixture fixture, Func<TFixture, Task<T>> run)
        where TFixture : IAsyncLifetime
    {
        try
        {
            await fixture.InitializeAsync();
            return await run(fixture);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }
}
