using CotPipeline.Benchmarks;

// dotnet run -c Release --project tests/CotPipeline.Benchmarks -- SCENARIO [--pairs N]
return await BenchmarkRunner.RunAsync(args);
