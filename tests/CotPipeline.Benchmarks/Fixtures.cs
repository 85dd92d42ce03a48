namespace CotPipeline.Benchmarks;

/// <summary>Runs a scenario inside one of the shared test fixtures (Azurite, the local host), stopping it however the scenario ends.</summary>
internal static class Fixtures
{
    /// <summary>
    /// <c>COTBENCH_OneAzurite=true</c>: the task hub in the pipeline's Azurite, as the local host ran before it gave the engine an
    /// Azurite of its own (the scenarios that run the local host's engine).
    /// </summary>
    public static bool OneAzurite => Environment.GetEnvironmentVariable("COTBENCH_OneAzurite") == "true";

    /// <summary>
    /// <c>COTBENCH_AzuriteOneProcess=true</c>: the batch scenario's Azurite as one node process serving blob, queue and table on one
    /// thread, as it ran before it got a process per service (<see cref="AzuriteFixture.ServicePerProcess"/>).
    /// </summary>
    public static bool AzuriteOneProcess => Environment.GetEnvironmentVariable("COTBENCH_AzuriteOneProcess") == "true";

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
